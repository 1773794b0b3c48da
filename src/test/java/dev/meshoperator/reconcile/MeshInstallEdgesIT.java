package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API errors, extra renderers and a namespace the user made. */
@KubeTest
class MeshInstallEdgesIT {

  @Test
  void aRefusedApplyIsReportedAsErrorAndRetriedUntilItSucceeds(KubernetesClient client, TestNamespace ns) {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String istiod = "istiod-" + install.getSpec().getRevision();
    // Someone else's Deployment under istiod's name, with a selector ours cannot change (immutable).
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(cp).endMetadata().build()).create();
    client.apps().deployments().inNamespace(cp).resource(new DeploymentBuilder()
        .withNewMetadata().withName(istiod).endMetadata()
        .withNewSpec().withReplicas(0).withNewSelector().addToMatchLabels("app", "squatter").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "squatter").endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstall failed = MeshInstallTestSupport.awaitState(client, name, MeshState.Error);
        assertThat(MeshInstallTestSupport.condition(failed, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo("ApplyFailed");
          assertThat(c.getMessage()).startsWith("apply Deployment/" + cp + "/" + istiod + ": ").contains("immutable");
        });

        client.apps().deployments().inNamespace(cp).withName(istiod).delete();
        MeshInstallTestSupport.awaitReady(client, name);
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
        client.namespaces().withName(cp).delete();
      }
    }
  }

  @Test
  void extraRendererObjectsAreAppliedAndUninstalledAndAUserNamespaceIsLeftAlone(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String webhook = name + "-injector";
    ComponentRenderer injector = config -> List.of(new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName(webhook).withLabels(Labels.of(config, "webhook")).endMetadata()
        .addNewWebhook().withName("sidecar-injector.meshoperator.dev")
          .withNewClientConfig().withUrl("https://127.0.0.1:1/inject").endClientConfig()
          .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE").withResources("pods").endRule()
          .withNewNamespaceSelector().addToMatchLabels("meshoperator.dev/test-never", "true").endNamespaceSelector()
          .withAdmissionReviewVersions("v1").withSideEffects("None").withFailurePolicy("Ignore")
        .endWebhook().build());
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(cp).addToLabels("owner", "user").endMetadata().build()).create();
    try (OperatorHarness operator = OperatorHarness.start(client, List.of(injector))) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, name))
            .containsExactlyElementsOf(InstalledObjects.expected(install, List.of(injector), false))
            .contains(new ObjectKey("MutatingWebhookConfiguration", null, webhook)));
        assertThat(client.namespaces().withName(cp).get().getMetadata().getLabels()).doesNotContainKey(Labels.INSTALL);
        assertThat(MeshInstallProfilesIT.steadyStateWrites(cluster, operator)).as("the webhook configuration too is left alone").isZero();

        // Drift in the extra object is repaired like any other.
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(webhook).delete();
        await().atMost(TIMEOUT).until(() -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(webhook).get() != null);

        MeshInstallTestSupport.deleteAndAwaitGone(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, name, true)).isEmpty());
        assertThat(client.namespaces().withName(cp).get().getMetadata().getDeletionTimestamp()).as("the user's namespace stays").isNull();
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
        client.namespaces().withName(cp).delete();
      }
    }
  }
}
