package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.AutoscalingSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.PilotSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Upgrade, heal, refuse and restart: what the operator does after the first install. */
@KubeTest
class MeshInstallLifecycleIT {

  @Test
  void profileChangeFromDemoToMinimalPrunesWhatMinimalDoesNotRender(KubernetesClient client, TestNamespace ns) {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEMO);
    String name = install.getMetadata().getName();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        String egress = "istio-egressgateway-" + install.getSpec().getRevision();
        assertThat(client.apps().deployments().inNamespace(install.getSpec().getNamespace()).withName(egress).get()).isNotNull();

        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setProfile(Profile.MINIMAL));
        MeshInstall minimal = MeshInstallTestSupport.get(client, name);
        MeshInstallTestSupport.awaitReady(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, name))
            .containsExactlyElementsOf(InstalledObjects.expected(minimal, List.of(), true)));
        assertThat(client.apps().deployments().inNamespace(install.getSpec().getNamespace()).withName(egress).get()).isNull();
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  @Test
  void handEditIsRevertedDeletedDeploymentIsRecreatedAndHpaReplicasAreLeftAlone(
      KubernetesClient client, TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEFAULT);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String istiod = "istiod-" + install.getSpec().getRevision();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        var deployment = client.apps().deployments().inNamespace(cp).withName(istiod);
        String image = deployment.get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();

        // A hand edit of a field we own is taken back; a field we never set stays.
        MergeEdits.edit(deployment, d -> {
          d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("example.com/tampered:1");
          d.getMetadata().getAnnotations().put("example.com/note", "kept");
          return d;
        });
        await().atMost(TIMEOUT).untilAsserted(() ->
            assertThat(deployment.get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image));
        assertThat(deployment.get().getMetadata().getAnnotations()).containsEntry("example.com/note", "kept");

        // A deleted Deployment comes back (a new object, not the old one).
        String oldUid = deployment.get().getMetadata().getUid();
        deployment.delete();
        await().atMost(TIMEOUT).untilAsserted(() -> {
          Deployment back = deployment.get();
          assertThat(back).isNotNull();
          assertThat(back.getMetadata().getUid()).isNotEqualTo(oldUid);
        });
        MeshInstallTestSupport.awaitReady(client, name);

        // istiod has an HPA: the replica count is the autoscaler's, the operator does not reset it.
        // An apply never names replicas in its URI; what would show it is managedFields: our
        // manager must not own spec.replicas, or every apply would set it back.
        assertThat(client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(cp).withName(istiod).get()).isNotNull();
        deployment.scale(2); // a Deployment event: the operator reconciles
        Thread.sleep(5000);
        assertThat(deployment.get().getSpec().getReplicas()).isEqualTo(2);
        assertThat(ours(deployment.get()).owns("spec", "replicas")).as("mesh-operator owns spec.replicas under an HPA").isFalse();
        assertThat(ours(deployment.get()).owns("spec", "template")).as("yet it owns the rest").isTrue();
        MeshInstallTestSupport.awaitReady(client, name);

        // Positive control: without autoscaling, replicas are ours, set by the apply.
        MeshInstallTestSupport.edit(client, name, mi -> {
          AutoscalingSpec off = new AutoscalingSpec();
          off.setEnabled(false);
          PilotSpec pilot = new PilotSpec();
          pilot.setAutoscaling(off);
          pilot.setReplicas(1);
          Components components = new Components();
          components.setPilot(pilot);
          mi.getSpec().setComponents(components);
        });
        await().atMost(TIMEOUT).untilAsserted(() -> {
          assertThat(client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(cp).withName(istiod).get()).isNull();
          assertThat(ours(deployment.get()).owns("spec", "replicas")).as("mesh-operator owns spec.replicas without an HPA").isTrue();
          assertThat(deployment.get().getSpec().getReplicas()).isEqualTo(1);
        });
        MeshInstallTestSupport.awaitReady(client, name);
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  private static OwnedFields ours(Deployment deployment) {
    return OwnedFields.of(deployment, MeshInstallReconciler.FIELD_MANAGER).orElseThrow();
  }

  @Test
  void schemaRefusesBadResourcesWithAClearMessage(KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    var generic = client.genericKubernetesResources(MeshInstall.GROUP + "/" + MeshInstall.VERSION, "MeshInstall");
    String badProfile = "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\nmetadata: {name: " + ns.name() + "-bad}\nspec: {profile: bogus}\n";
    assertThatThrownBy(() -> client.resource(generic.load(new ByteArrayInputStream(badProfile.getBytes(StandardCharsets.UTF_8))).item()).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.profile")
        .hasMessageContaining("bogus");

    String remoteWithoutAddress = "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\nmetadata: {name: " + ns.name() + "-remote}\nspec: {profile: remote}\n";
    assertThatThrownBy(() -> client.resource(generic.load(new ByteArrayInputStream(remoteWithoutAddress.getBytes(StandardCharsets.UTF_8))).item()).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("the remote profile requires spec.remote.address");

    // No operator runs here: the API server alone refuses a revision change.
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.EMPTY);
    String name = install.getMetadata().getName();
    client.resources(MeshInstall.class).resource(install).create();
    try {
      assertThatThrownBy(() -> MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setRevision("other")))
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("revision is immutable");
    } finally {
      client.resources(MeshInstall.class).withName(name).delete();
    }
  }

  @Test
  void semanticallyInvalidSpecIsReportedAndLeavesTheRunningControlPlaneAlone(KubernetesClient client, TestNamespace ns) {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String istiod = "istiod-" + install.getSpec().getRevision();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        var hpa = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(cp).withName(istiod);
        String hpaVersion = hpa.get().getMetadata().getResourceVersion();

        MeshInstallTestSupport.edit(client, name, mi -> {
          AutoscalingSpec autoscaling = new AutoscalingSpec();
          autoscaling.setMinReplicas(7);
          PilotSpec pilot = new PilotSpec();
          pilot.setAutoscaling(autoscaling);
          Components components = new Components();
          components.setPilot(pilot);
          mi.getSpec().setComponents(components);
        });
        MeshInstall invalid = MeshInstallTestSupport.awaitState(client, name, MeshState.Error);
        assertThat(MeshInstallTestSupport.condition(invalid, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo("InvalidSpec");
          assertThat(c.getMessage()).isEqualTo("spec.components.pilot.autoscaling: minReplicas 7 is greater than maxReplicas 5");
        });
        assertThat(hpa.get().getMetadata().getResourceVersion()).as("the HPA was not touched").isEqualTo(hpaVersion);
        assertThat(InstalledObjects.labelledWith(client, name)).containsExactlyElementsOf(InstalledObjects.expected(install, List.of(), true));

        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setComponents(null));
        MeshInstallTestSupport.awaitReady(client, name);

        // An Istio release this operator does not support: refused by name, with the list.
        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setVersion("1.29.6"));
        MeshInstall unsupported = MeshInstallTestSupport.awaitState(client, name, MeshState.Error);
        assertThat(MeshInstallTestSupport.condition(unsupported, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
          assertThat(c.getReason()).isEqualTo("InvalidSpec");
          assertThat(c.getMessage()).startsWith("spec.version: Istio '1.29.6' is not supported; supported: "
              + dev.meshoperator.profile.IstioVersions.describeSupported());
        });
        assertThat(client.apps().deployments().inNamespace(cp).withName(istiod).get().getSpec().getTemplate().getSpec()
            .getContainers().get(0).getImage()).as("istiod keeps its image").endsWith(":" + install.getSpec().getVersion());
        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setVersion(install.getSpec().getVersion()));
        MeshInstallTestSupport.awaitReady(client, name);
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  @Test
  void sameRevisionConflictsWhileACanaryRevisionCoexistsAndTheLoserTakesOverWhenTheWinnerGoes(
      KubernetesClient client, TestNamespace ns) {
    MeshInstall first = MeshInstallTestSupport.install(ns, "a", Profile.MINIMAL);
    MeshInstall second = MeshInstallTestSupport.install(ns, "b", Profile.MINIMAL);
    second.getSpec().setRevision(first.getSpec().getRevision());
    second.getSpec().setNamespace(first.getSpec().getNamespace());
    MeshInstall canary = MeshInstallTestSupport.install(ns, "c", Profile.MINIMAL);
    canary.getSpec().setNamespace(first.getSpec().getNamespace());
    String a = first.getMetadata().getName();
    String b = second.getMetadata().getName();
    String c = canary.getMetadata().getName();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(first).create();
        MeshInstallTestSupport.awaitReady(client, a);
        client.resources(MeshInstall.class).resource(second).create();
        client.resources(MeshInstall.class).resource(canary).create();

        MeshInstall loser = MeshInstallTestSupport.awaitState(client, b, MeshState.Conflict);
        assertThat(MeshInstallTestSupport.condition(loser, MeshInstallStatus.RECONCILED)).hasValueSatisfying(cond -> {
          assertThat(cond.getStatus()).isEqualTo("False");
          assertThat(cond.getReason()).isEqualTo("Conflict");
          assertThat(cond.getMessage()).contains("'" + a + "'");
        });
        MeshInstallTestSupport.awaitReady(client, c);
        assertThat(InstalledObjects.labelledWith(client, b)).as("the loser touches nothing").isEmpty();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.v1().events().inNamespace("default").list().getItems())
            .anyMatch(e -> b.equals(e.getInvolvedObject().getName()) && "Conflict".equals(e.getReason())));

        MeshInstallTestSupport.deleteAndAwaitGone(client, a);
        MeshInstallTestSupport.awaitReady(client, b);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, b))
            .containsAll(InstalledObjects.expected(second, List.of(), false)));
        MeshInstallTestSupport.awaitReady(client, c);
        assertThat(client.namespaces().withName(first.getSpec().getNamespace()).get().getMetadata().getDeletionTimestamp())
            .as("the shared control plane namespace survives the first install").isNull();
      } finally {
        MeshInstallTestSupport.cleanup(client, a, b, c);
      }
    }
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(InstalledObjects.labelledWith(client, b, true)).isEmpty();
      assertThat(InstalledObjects.labelledWith(client, c, true)).isEmpty();
    });
  }

  @Test
  void restartingTheOperatorMidInstallConvergesToTheSameResult(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEMO);
    String name = install.getMetadata().getName();
    try {
      try (OperatorHarness first = OperatorHarness.start(client)) {
        client.resources(MeshInstall.class).resource(install).create();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
            .until(() -> !InstalledObjects.labelledWith(client, name).isEmpty());
      }
      MeshInstall stopped = MeshInstallTestSupport.get(client, name);
      System.out.printf("[reconcile-it] operator stopped mid-install: state %s, %d objects labelled%n",
          stopped.getStatus() == null ? null : stopped.getStatus().getState(), InstalledObjects.labelledWith(client, name).size());
      try (OperatorHarness second = OperatorHarness.start(client)) {
        try {
          MeshInstallTestSupport.awaitReady(client, name);
          await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, name))
              .containsExactlyElementsOf(InstalledObjects.expected(install, List.of(), true)));
          assertThat(MeshInstallProfilesIT.steadyStateWrites(cluster, second)).isZero();
        } finally {
          MeshInstallTestSupport.cleanup(client, name);
        }
      }
    } finally {
      if (MeshInstallTestSupport.get(client, name) != null) {
        try (OperatorHarness last = OperatorHarness.start(client)) {
          MeshInstallTestSupport.cleanup(client, name);
        }
      }
    }
  }
}
