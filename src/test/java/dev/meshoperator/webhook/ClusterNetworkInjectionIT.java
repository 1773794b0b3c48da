package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spec.cluster and spec.meshId reach pods through the API server and our webhook: the proxy's
 * ISTIO_META_CLUSTER_ID, ISTIO_META_NETWORK and ISTIO_META_MESH_ID, and the pod label
 * topology.istio.io/network, which the pod's own label overrides (Istio's injector).
 */
@KubeTest
class ClusterNetworkInjectionIT {
  private static final String REVISION = "netit";
  private static WebhookHarness harness;
  private static MeshInstall mesh;

  @BeforeAll
  static void startWebhook(TestCluster cluster) {
    harness = new WebhookHarness(cluster).start();
    mesh = harness.install(new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: network-it}
        spec:
          profile: minimal
          revision: %s
          sidecarInjector: {failurePolicy: Fail, timeoutSeconds: 5}
          cluster: {name: cluster-a, network: network-a}
          meshId: mesh-a
        """.formatted(REVISION), MeshInstall.class));
  }

  @AfterAll
  static void stopWebhook() {
    if (harness != null) {
      harness.uninstall(mesh);
      harness.close();
    }
  }

  @Test
  void injectedPodsCarryTheClustersIdentityAndAPodsOwnNetworkLabelWins(KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio.io/rev", REVISION));

    Pod plain = client.pods().inNamespace(ns.name()).resource(pod("plain", Map.of("app", "plain"))).create();
    Pod onVmNet = client.pods().inNamespace(ns.name()).resource(pod("vm", Map.of("topology.istio.io/network", "vm-net"))).create();

    assertThat(env(plain, "ISTIO_META_CLUSTER_ID")).containsExactly("cluster-a");
    assertThat(env(plain, "ISTIO_META_NETWORK")).containsExactly("network-a");
    assertThat(env(plain, "ISTIO_META_MESH_ID")).containsExactly("mesh-a");
    assertThat(plain.getMetadata().getLabels()).containsEntry("topology.istio.io/network", "network-a");

    assertThat(env(onVmNet, "ISTIO_META_NETWORK")).containsExactly("vm-net");
    assertThat(env(onVmNet, "ISTIO_META_CLUSTER_ID")).containsExactly("cluster-a");
    assertThat(onVmNet.getMetadata().getLabels()).containsEntry("topology.istio.io/network", "vm-net");
  }

  private static Pod pod(String name, Map<String, String> labels) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .build();
  }

  private static List<String> env(Pod pod, String name) {
    Container proxy = Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
        .filter(c -> c.getName().equals("istio-proxy")).findFirst()
        .orElseThrow(() -> new AssertionError("pod " + pod.getMetadata().getName() + " was not injected"));
    return proxy.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).toList();
  }
}
