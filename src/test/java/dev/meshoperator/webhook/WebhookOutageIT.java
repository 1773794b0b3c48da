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

  private static String unique(String prefix) {
    return prefix + "-" + System.nanoTime() % 1000000;
  }
}
