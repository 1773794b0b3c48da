package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cluster, network and mesh ID in injected pods, as Istio's injector sets them. */
class NetworkInjectionTest {
  private static final InjectionSettings WEST = InjectionSettings.defaults().toBuilder()
      .clusterId("cluster-west").network("network-1").meshId("mesh-a").build();

  private static Pod pod(Map<String, String> labels) {
    return new PodBuilder()
        .withNewMetadata().withName("p").withNamespace("ns").withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .build();
  }

  private static List<String> env(Pod p, String name) {
    Container proxy = p.getSpec().getContainers().stream().filter(c -> c.getName().equals("istio-proxy")).findFirst()
        .or(() -> p.getSpec().getInitContainers().stream().filter(c -> c.getName().equals("istio-proxy")).findFirst())
        .orElseThrow();
    return proxy.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).toList();
  }

  @Test
  void theClustersIdentityReachesTheProxyAndThePodIsLabelledWithItsNetwork() {
    Pod out = SidecarInjector.inject(pod(Map.of("app", "a")), WEST).pod();

    assertThat(env(out, "ISTIO_META_CLUSTER_ID")).containsExactly("cluster-west");
    assertThat(env(out, "ISTIO_META_NETWORK")).containsExactly("network-1");
    assertThat(env(out, "ISTIO_META_MESH_ID")).containsExactly("mesh-a");
    assertThat(out.getMetadata().getLabels()).containsEntry("topology.istio.io/network", "network-1");
  }

  @Test
  void thePodsOwnNetworkLabelWins() {
    Pod out = SidecarInjector.inject(pod(Map.of("topology.istio.io/network", "vm-net")), WEST).pod();

    assertThat(env(out, "ISTIO_META_NETWORK")).containsExactly("vm-net");
    assertThat(out.getMetadata().getLabels()).containsEntry("topology.istio.io/network", "vm-net");
  }

  @Test
  void anEmptyPodLabelMeansNoNetworkEvenWhenTheClusterHasOne() {
    Pod out = SidecarInjector.inject(pod(Map.of("topology.istio.io/network", "")), WEST).pod();

    assertThat(env(out, "ISTIO_META_NETWORK")).isEmpty();
    assertThat(out.getMetadata().getLabels()).containsEntry("topology.istio.io/network", "");
  }

  @Test
  void withoutANetworkNothingIsAddedAndIstiosDefaultsStay() {
    Pod out = SidecarInjector.inject(pod(Map.of("app", "a")), InjectionSettings.defaults()).pod();

    assertThat(env(out, "ISTIO_META_NETWORK")).isEmpty();
    assertThat(env(out, "ISTIO_META_CLUSTER_ID")).containsExactly("Kubernetes");
    assertThat(env(out, "ISTIO_META_MESH_ID")).containsExactly("cluster.local");
    assertThat(out.getMetadata().getLabels()).doesNotContainKey("topology.istio.io/network");
  }

  @Test
  void everyTemplateCarriesTheNetwork() {
    for (String template : List.of("gateway", "grpc-agent")) {
      Pod in = pod(Map.of());
      in.getMetadata().setAnnotations(Map.of("inject.istio.io/templates", template));
      Pod out = SidecarInjector.inject(in, WEST).pod();
      assertThat(out).as(template).isNotNull();
      assertThat(env(out, "ISTIO_META_NETWORK")).as(template).containsExactly("network-1");
      assertThat(env(out, "ISTIO_META_CLUSTER_ID")).as(template).containsExactly("cluster-west");
    }
  }
}
