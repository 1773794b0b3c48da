package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.ClusterSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.IstioVersions;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * spec.cluster and spec.meshId on a real install, and the two ways a version is refused: by the API
 * server when it cannot be a release, by status (InvalidSpec, with the supported list) when its
 * minor is not supported.
 */
@KubeTest
class ClusterIdentityAndVersionIT {

  @Test
  void theApiServerRefusesWhatIsNoReleaseOrNoClusterNameNamingTheField(KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    MeshInstall latest = MeshInstallTestSupport.install(ns, "v", Profile.MINIMAL);
    latest.getSpec().setVersion("latest");
    assertThatThrownBy(() -> client.resources(MeshInstall.class).resource(latest).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("spec.version",
              "must be an Istio release such as " + dev.meshoperator.api.MeshInstallSpec.DEFAULT_VERSION
                  + " (MAJOR.MINOR.PATCH, optionally -variant such as " + dev.meshoperator.api.MeshInstallSpec.DEFAULT_VERSION + "-distroless)");
        });

    MeshInstall badCluster = MeshInstallTestSupport.install(ns, "c", Profile.MINIMAL);
    ClusterSpec cluster = new ClusterSpec();
    cluster.setName("west cluster");
    badCluster.getSpec().setCluster(cluster);
    badCluster.getSpec().setMeshId("-mesh");
    assertThatThrownBy(() -> client.resources(MeshInstall.class).resource(badCluster).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains("spec.cluster.name", "spec.meshId");
        });
    assertThat(client.resources(MeshInstall.class).withName(latest.getMetadata().getName()).get()).isNull();
    assertThat(client.resources(MeshInstall.class).withName(badCluster.getMetadata().getName()).get()).isNull();

    // positive control: the same installs with sound values are accepted
    latest.getSpec().setVersion("1.30.3-distroless");
    badCluster.getSpec().getCluster().setName("cluster-west");
    badCluster.getSpec().setMeshId("mesh-a");
    try {
      client.resources(MeshInstall.class).resource(latest).create();
      client.resources(MeshInstall.class).resource(badCluster).create();
    } finally {
      client.resources(MeshInstall.class).withName(latest.getMetadata().getName()).delete();
      client.resources(MeshInstall.class).withName(badCluster.getMetadata().getName()).delete();
    }
  }

  @Test
  void clusterNetworkAndMeshIdReachIstiodAndTheGatewaysAndAnUnsupportedMinorIsAStatusError(
      KubernetesClient client, TestNamespace ns) {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEFAULT);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String revision = install.getSpec().getRevision();
    ClusterSpec cluster = new ClusterSpec();
    cluster.setName("cluster-west");
    cluster.setNetwork("network-1");
    install.getSpec().setCluster(cluster);
    install.getSpec().setMeshId("mesh-a");
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        var istiod = client.apps().deployments().inNamespace(cp).withName("istiod-" + revision);
        var ingress = client.apps().deployments().inNamespace(cp).withName("istio-ingressgateway-" + revision);
        assertThat(env(istiod.get(), "CLUSTER_ID")).containsExactly("cluster-west");
        assertThat(env(ingress.get(), "ISTIO_META_CLUSTER_ID")).containsExactly("cluster-west");
        assertThat(env(ingress.get(), "ISTIO_META_NETWORK")).containsExactly("network-1");
        assertThat(env(ingress.get(), "ISTIO_META_MESH_ID")).containsExactly("mesh-a");
        assertThat(client.configMaps().inNamespace(cp).withName("istio-" + revision).get().getData().get("mesh"))
            .contains("meshId: mesh-a");

        // a change of name reaches the running istiod
        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().getCluster().setName("cluster-east"));
        await().atMost(MeshInstallTestSupport.TIMEOUT).untilAsserted(() ->
            assertThat(env(istiod.get(), "CLUSTER_ID")).containsExactly("cluster-east"));
        MeshInstallTestSupport.awaitReady(client, name);

        // a well-formed release of an unsupported minor: accepted by the API server, refused in status
        String istiodImage = image(istiod.get());
        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setVersion("1.20.0"));
        MeshInstall unsupported = MeshInstallTestSupport.awaitState(client, name, MeshState.Error);
        assertThat(MeshInstallTestSupport.condition(unsupported, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
          assertThat(c.getReason()).isEqualTo("InvalidSpec");
          assertThat(c.getMessage()).startsWith("spec.version: Istio '1.20.0' is not supported; supported: "
              + IstioVersions.describeSupported());
        });
        assertThat(image(istiod.get())).as("istiod keeps its image").isEqualTo(istiodImage);
        // and an edit to something that is no release is refused by the API server, the spec unchanged
        assertThatThrownBy(() -> MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setVersion("1.30")))
            .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
        assertThat(MeshInstallTestSupport.get(client, name).getSpec().getVersion()).isEqualTo("1.20.0");
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  private static List<String> env(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name)).map(EnvVar::getValue).toList();
  }

  private static String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }
}
