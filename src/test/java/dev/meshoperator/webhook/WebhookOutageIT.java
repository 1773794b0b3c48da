package dev.meshoperator.webhook;

import static dev.meshoperator.webhook.SidecarInjectionIT.pod;
import static dev.meshoperator.webhook.WebhookHarness.containerNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What users see when the operator is down: failurePolicy Fail refuses, Ignore lets pods through. */
@KubeTest
class WebhookOutageIT {

  @Test
  void withTheOperatorStoppedFailRefusesPodsClearlyAndIgnoreLetsThemThroughUninjected(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    try (var harness = new WebhookHarness(cluster).start()) {
      MeshInstall mi = harness.install(WebhookHarness.meshInstall("outage-it", "outage", "Fail"));
      try {
        harness.labelNamespace(ns.name(), Map.of("istio.io/rev", "outage"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Pod pod = client.pods().inNamespace(ns.name()).resource(pod(unique("up"), Map.of(), Map.of())).create();
          assertThat(containerNames(pod)).contains("init:istio-proxy");
        });

        harness.runtime.close(); // the operator is down

        assertThatThrownBy(() -> client.pods().inNamespace(ns.name()).resource(pod("refused", Map.of(), Map.of())).create())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("failed calling webhook")
            .hasMessageContaining("rev.namespace.sidecar-injector.meshoperator.dev");
        assertThat(client.pods().inNamespace(ns.name()).withName("refused").get()).isNull();

        mi.getSpec().getSidecarInjector().setFailurePolicy(FailurePolicy.Ignore);
        harness.applyWebhookConfiguration(mi);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Pod pod = client.pods().inNamespace(ns.name()).resource(pod(unique("through"), Map.of(), Map.of())).create();
          assertThat(containerNames(pod)).containsExactly("app");
        });
      } finally {
        harness.uninstall(mi);
      }
    }
  }

  /**
   * Both replicas down, failurePolicy Fail: a pod of an injected namespace is refused with a message
   * naming our webhook and the address it could not reach, while pods that would match the
   * webhook's object selector still start in kube-system, in the operator's own namespace and in
   * the control plane's namespace (left out by the namespace selector). Positive control: the same
   * pod in an ordinary namespace is refused.
   */
  @Test
  void withBothReplicasDownFailRefusesInjectedPodsButSystemOperatorAndControlPlaneNamespacesStillStartPods(
      TestCluster cluster, KubernetesClient client, TestNamespace ns) {
    String revision = "down" + Integer.toString((int) (System.nanoTime() % 46656), 36);
    String controlPlane = revision + "-system";
    String plain = revision + "-plain";
    List<String> created = new java.util.ArrayList<>();
    try (var webhook = new ReplicatedWebhook(cluster, o -> o)) {
      for (String name : List.of(controlPlane, plain)) {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
            .withName(name).endMetadata().build()).create();
      }
      MeshInstall spec = WebhookHarness.meshInstall("outage-" + revision, revision, "Fail");
      spec.getSpec().setNamespace(controlPlane);
      MeshInstall mi = webhook.install(spec);
      try {
        client.namespaces().withName(ns.name()).edit(n -> {
          n.getMetadata().getLabels().put("istio.io/rev", revision);
          return n;
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Pod pod = client.pods().inNamespace(ns.name()).resource(pod(unique("up"), Map.of(), Map.of())).create();
          assertThat(containerNames(pod)).contains("init:istio-proxy");
        });

        webhook.stopReplicas();

        var refused = org.assertj.core.api.Assertions.catchThrowableOfType(KubernetesClientException.class,
            () -> client.pods().inNamespace(ns.name()).resource(pod("refused", Map.of(), Map.of())).create());
        assertThat(refused).as("a pod of the injected namespace is refused").isNotNull();
        System.out.println("[outage] refused with: " + refused.getStatus().getMessage());
        assertThat(refused.getStatus().getMessage())
            .contains("failed calling webhook \"rev.namespace.sidecar-injector.meshoperator.dev\"")
            .contains("https://127.0.0.1:" + webhook.port + "/inject/" + revision);
        assertThat(client.pods().inNamespace(ns.name()).withName("refused").get()).isNull();

        Map<String, String> revLabel = Map.of("istio.io/rev", revision);
        assertThatThrownBy(() -> client.pods().inNamespace(plain).resource(pod("control", revLabel, Map.of())).create())
            .as("positive control: the object selector catches the pod in an ordinary namespace")
            .isInstanceOf(KubernetesClientException.class).hasMessageContaining("rev.object.sidecar-injector.meshoperator.dev");
        for (String namespace : List.of("kube-system", webhook.operatorNamespace, controlPlane)) {
          String name = unique("outage-excluded");
          Pod pod = client.pods().inNamespace(namespace).resource(pod(name, revLabel, Map.of())).create();
          created.add(namespace + "/" + name);
          assertThat(containerNames(pod)).as("pod in " + namespace).containsExactly("app");
        }
        System.out.println("[outage] with both replicas down, pods started in " + created
            + "; an ordinary namespace's pod was refused");
      } finally {
        for (String key : created) {
          String[] parts = key.split("/");
          client.pods().inNamespace(parts[0]).withName(parts[1]).withGracePeriod(0).delete();
        }
        webhook.uninstall(mi);
        client.namespaces().withName(controlPlane).delete();
        client.namespaces().withName(plain).delete();
      }
    }
  }

  private static String unique(String prefix) {
    return prefix + "-" + System.nanoTime() % 1000000;
  }
}
