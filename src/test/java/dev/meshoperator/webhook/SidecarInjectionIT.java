package dev.meshoperator.webhook;

import static dev.meshoperator.webhook.WebhookHarness.containerNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server calls the operator's webhook (in this JVM, by URL) for pods in labelled
 * namespaces, and the stored pods carry the sidecar that Istio's proxy image runs.
 */
@KubeTest
class SidecarInjectionIT {
  private static WebhookHarness harness;
  private static MeshInstall defaultRevision;
  private static MeshInstall canary;

  @BeforeAll
  static void startWebhook(TestCluster cluster) {
    harness = new WebhookHarness(cluster).start();
    defaultRevision = harness.install(WebhookHarness.meshInstall("inject-it-default", null, "Fail"));
    canary = harness.install(WebhookHarness.meshInstall("inject-it-canary", "canary", "Fail"));
  }

  @AfterAll
  static void stopWebhook() {
    if (harness != null) {
      harness.uninstall(defaultRevision);
      harness.uninstall(canary);
      harness.close();
    }
  }

  @Test
  void deploymentInALabelledNamespaceGetsSidecarsAndItsPodsBecomeReady(KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    client.apps().deployments().inNamespace(ns.name()).resource(deployment("web", 2)).create();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Deployment d = client.apps().deployments().inNamespace(ns.name()).withName("web").get();
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
    });
    List<Pod> pods = client.pods().inNamespace(ns.name()).list().getItems();
    assertThat(pods).hasSize(2).allSatisfy(pod -> {
      // Kubernetes 1.36 supports native sidecars, so istio-proxy is a restartable init container.
      assertThat(containerNames(pod)).containsExactly("init:istio-init", "init:istio-proxy", "app");
      var proxy = pod.getSpec().getInitContainers().get(1);
      assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
      assertThat(proxy.getImage()).isEqualTo("docker.io/istio/proxyv2:" + dev.meshoperator.profile.IstioVersions.defaultVersion());
      assertThat(proxy.getArgs()).startsWith("proxy", "sidecar");
      assertThat(env(proxy.getEnv(), "CA_ADDR")).isEqualTo("istiod.istio-system.svc:15012");
      assertThat(env(proxy.getEnv(), "PROXY_CONFIG")).isEqualTo("{}");
      assertThat(pod.getMetadata().getAnnotations()).containsKey("sidecar.istio.io/status");
      assertThat(pod.getMetadata().getLabels()).containsEntry("security.istio.io/tlsMode", "istio");
      assertThat(pod.getSpec().getVolumes()).extracting(v -> v.getName())
          .contains("istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert");
      assertThat(pod.getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
    });
  }

  @Test
  void podsOfUnlabelledNamespacesAndOptedOutPodsAreUntouched(KubernetesClient client, TestNamespace ns) {
    Pod plain = client.pods().inNamespace(ns.name()).resource(pod("plain", Map.of(), Map.of())).create();
    assertThat(containerNames(plain)).containsExactly("app");

    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String name = "probe-" + System.nanoTime() % 100000;
      Pod probe = client.pods().inNamespace(ns.name()).resource(pod(name, Map.of(), Map.of())).create();
      assertThat(containerNames(probe)).contains("init:istio-proxy");
    });
    Pod optedOut = client.pods().inNamespace(ns.name())
        .resource(pod("opted-out", Map.of("sidecar.istio.io/inject", "false"), Map.of())).create();
    assertThat(containerNames(optedOut)).containsExactly("app");
    assertThat(optedOut.getMetadata().getAnnotations()).doesNotContainKey("sidecar.istio.io/status");
  }

  @Test
  void aRevisionLabelledNamespaceIsServedByThatRevision(KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio.io/rev", "canary"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String name = "canary-" + System.nanoTime() % 100000;
      Pod pod = client.pods().inNamespace(ns.name()).resource(pod(name, Map.of(), Map.of())).create();
      assertThat(containerNames(pod)).contains("init:istio-proxy");
      assertThat(pod.getMetadata().getAnnotations().get("sidecar.istio.io/status")).contains("\"revision\":\"canary\"");
      assertThat(env(pod.getSpec().getInitContainers().get(1).getEnv(), "CA_ADDR"))
          .isEqualTo("istiod-canary.istio-system.svc:15012");
      assertThat(env(pod.getSpec().getInitContainers().get(1).getEnv(), "PROXY_CONFIG"))
          .isEqualTo("{\"discoveryAddress\":\"istiod-canary.istio-system.svc:15012\"}");
      assertThat(pod.getMetadata().getAnnotations()).containsEntry("istio.io/rev", "canary");
    });
  }

  @Test
  void aPodWithAnInvalidAnnotationIsRefusedWithAMessageNamingIt(KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThatThrownBy(() -> client.pods().inNamespace(ns.name())
            .resource(pod("greedy", Map.of(), Map.of("sidecar.istio.io/proxyCPU", "lots"))).create())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("sidecar.istio.io/proxyCPU")
            .hasMessageContaining("lots"));
    assertThat(client.pods().inNamespace(ns.name()).withName("greedy").get()).isNull();
  }

  @Test
  void metricsCountRequestsInjectionsAndSkips(KubernetesClient client, TestNamespace ns) throws Exception {
    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String name = "counted-" + System.nanoTime() % 100000;
      Pod pod = client.pods().inNamespace(ns.name()).resource(pod(name, Map.of(), Map.of())).create();
      assertThat(containerNames(pod)).contains("init:istio-proxy");
    });
    String metrics = harness.metrics();
    assertThat(metrics).containsPattern("sidecar_injection_requests_total\\S* [1-9]")
        .containsPattern("sidecar_injection_success_total\\S* [1-9]");
  }

  static String env(List<EnvVar> env, String name) {
    return env.stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  static Deployment deployment(String name, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10")
        .addNewPort().withContainerPort(8080).withName("http").endPort()
        .endContainer().endSpec().endTemplate()
        .endSpec().build();
  }

  static Pod pod(String name, Map<String, String> labels, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations)
        .endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10")
        .endContainer().endSpec().build();
  }
}
