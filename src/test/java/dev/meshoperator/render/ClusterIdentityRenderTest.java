package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.ClusterSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** spec.cluster and spec.meshId reach istiod, the mesh config and the gateways as Istio's charts put them. */
class ClusterIdentityRenderTest {

  private static List<HasMetadata> render(MeshInstall install) {
    return new Renderer().render(Profiles.resolve(install));
  }

  private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst().orElseThrow();
  }

  private static Optional<String> env(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst();
  }

  private static MeshInstall demo(String cluster, String network, String meshId) {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    ClusterSpec spec = new ClusterSpec();
    spec.setName(cluster);
    spec.setNetwork(network);
    install.getSpec().setCluster(spec);
    install.getSpec().setMeshId(meshId);
    return install;
  }

  @Test
  void defaultsAreIstiosKubernetesNoNetworkAndTheTrustDomain() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.DEMO));
    Deployment istiod = find(objects, Deployment.class, "istiod");
    Deployment ingress = find(objects, Deployment.class, "istio-ingressgateway");

    assertThat(env(istiod, "CLUSTER_ID")).contains("Kubernetes");
    assertThat(env(ingress, "ISTIO_META_CLUSTER_ID")).contains("Kubernetes");
    assertThat(env(ingress, "ISTIO_META_MESH_ID")).contains("cluster.local");
    assertThat(env(ingress, "ISTIO_META_NETWORK")).isEmpty();
    assertThat(find(objects, ConfigMap.class, "istio").getData().get("mesh")).doesNotContain("meshId");
  }

  @Test
  void clusterNetworkAndMeshIdReachIstiodTheMeshConfigAndEveryGateway() {
    List<HasMetadata> objects = render(demo("cluster-west", "network-1", "mesh-a"));

    assertThat(env(find(objects, Deployment.class, "istiod"), "CLUSTER_ID")).contains("cluster-west");
    assertThat(find(objects, ConfigMap.class, "istio").getData().get("mesh")).contains("meshId: mesh-a", "trustDomain: cluster.local");
    for (String gateway : List.of("istio-ingressgateway", "istio-egressgateway")) {
      Deployment d = find(objects, Deployment.class, gateway);
      assertThat(env(d, "ISTIO_META_CLUSTER_ID")).as(gateway).contains("cluster-west");
      assertThat(env(d, "ISTIO_META_NETWORK")).as(gateway).contains("network-1");
      assertThat(env(d, "ISTIO_META_MESH_ID")).as(gateway).contains("mesh-a");
      // Istio's classic gateway chart labels neither the pods nor the Service with the network
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("topology.istio.io/network");
      assertThat(find(objects, Service.class, gateway).getMetadata().getLabels()).doesNotContainKey("topology.istio.io/network");
    }
  }

  @Test
  void aGatewaysOwnNetworkVariableWinsOverTheClusters() {
    MeshInstall install = demo("cluster-west", "network-1", null);
    var gateway = new dev.meshoperator.api.GatewaySpec();
    gateway.setName("istio-ingressgateway");
    gateway.setEnv(List.of(new EnvVarBuilder().withName("ISTIO_META_NETWORK").withValue("edge").build()));
    var components = new dev.meshoperator.api.Components();
    components.setIngressGateways(List.of(gateway));
    install.getSpec().setComponents(components);

    Deployment d = find(render(install), Deployment.class, "istio-ingressgateway");

    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .filteredOn(e -> e.getName().equals("ISTIO_META_NETWORK")).extracting(EnvVar::getValue).containsExactly("edge");
    assertThat(env(d, "ISTIO_META_MESH_ID")).contains("cluster.local");
  }

  @Test
  void aGatewayLabelledWithANetworkIsThatNetworksGatewayOnItsServiceToo() {
    MeshInstall install = demo("cluster-west", "network-1", null);
    var eastWest = new dev.meshoperator.api.GatewaySpec();
    eastWest.setName("istio-eastwestgateway");
    eastWest.setPodLabels(Map.of("topology.istio.io/network", "network-1"));
    eastWest.setEnv(List.of(new EnvVarBuilder().withName("ISTIO_META_REQUESTED_NETWORK_VIEW").withValue("network-1").build()));
    var components = new dev.meshoperator.api.Components();
    components.setIngressGateways(List.of(eastWest));
    install.getSpec().setComponents(components);

    List<HasMetadata> objects = render(install);

    assertThat(find(objects, Service.class, "istio-eastwestgateway").getMetadata().getLabels())
        .containsEntry("topology.istio.io/network", "network-1");
    assertThat(find(objects, Deployment.class, "istio-eastwestgateway").getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("topology.istio.io/network", "network-1");
    assertThat(env(find(objects, Deployment.class, "istio-eastwestgateway"), "ISTIO_META_REQUESTED_NETWORK_VIEW")).contains("network-1");
    assertThat(find(objects, Service.class, "istio-ingressgateway").getMetadata().getLabels())
        .doesNotContainKey("topology.istio.io/network");
  }
}
