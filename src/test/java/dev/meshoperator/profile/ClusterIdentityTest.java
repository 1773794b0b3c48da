package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.ClusterSpec;
import dev.meshoperator.api.MeshConfigSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterIdentityTest {

  private static MeshInstall install(String name, String network, String meshId) {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    if (name != null || network != null) {
      ClusterSpec cluster = new ClusterSpec();
      cluster.setName(name);
      cluster.setNetwork(network);
      install.getSpec().setCluster(cluster);
    }
    install.getSpec().setMeshId(meshId);
    return install;
  }

  @Test
  void unsetMeansIstiosDefaultsKubernetesNoNetworkAndTheTrustDomainAsMeshId() {
    EffectiveConfig config = Profiles.resolve(install(null, null, null));

    assertThat(config.cluster()).isEqualTo(new ClusterIdentity("Kubernetes", "", Optional.empty()));
    assertThat(config.meshId()).isEqualTo("cluster.local");
  }

  @Test
  void meshIdFollowsTheTrustDomainUnlessNamed() {
    MeshInstall install = install(null, null, null);
    MeshConfigSpec mesh = new MeshConfigSpec();
    mesh.setTrustDomain("example.org");
    install.getSpec().setMeshConfig(mesh);
    assertThat(Profiles.resolve(install).meshId()).isEqualTo("example.org");

    install.getSpec().setMeshId("mesh-a");
    assertThat(Profiles.resolve(install).meshId()).isEqualTo("mesh-a");
  }

  @Test
  void setValuesAreTakenAsGiven() {
    EffectiveConfig config = Profiles.resolve(install("cluster-west", "network-1", "mesh-a"));

    assertThat(config.cluster()).isEqualTo(new ClusterIdentity("cluster-west", "network-1", Optional.of("mesh-a")));
    assertThat(Profiles.validate(install("cluster-west", "network-1", "mesh-a"))).isEmpty();
  }

  @Test
  void badNamesAreReportedNamingTheirField() {
    List<Problem> problems = Profiles.validate(install("west cluster", "net/1", "-mesh"));

    assertThat(problems).extracting(Problem::field)
        .containsExactlyInAnyOrder("spec.cluster.name", "spec.cluster.network", "spec.meshId");
    assertThat(problems).filteredOn(p -> p.field().equals("spec.cluster.name"))
        .extracting(Problem::reason).singleElement().asString().contains("'west cluster' is not a cluster name");
  }

  @Test
  void aClusterNameLongerThanALabelValueIsRefused() {
    assertThat(Profiles.validate(install("c".repeat(64), null, null))).extracting(Problem::field)
        .containsExactly("spec.cluster.name");
    assertThat(Profiles.validate(install("c".repeat(63), null, null))).isEmpty();
  }

  @Test
  void versionsThatAreNoReleaseAreToldApartFromUnsupportedOnes() {
    MeshInstall malformed = install(null, null, null);
    malformed.getSpec().setVersion("latest");
    MeshInstall unsupported = install(null, null, null);
    unsupported.getSpec().setVersion("1.20.0");

    assertThat(Profiles.validate(malformed)).extracting(Problem::reason).singleElement().asString()
        .contains("'latest' is not an Istio release");
    assertThat(Profiles.validate(unsupported)).extracting(Problem::reason).singleElement().asString()
        .contains("'1.20.0' is not supported", "1.30.x, 1.31.x, 1.32.x");
    assertThat(IstioVersions.isRelease("1.30.3-distroless")).isTrue();
    assertThat(IstioVersions.isRelease("1.30")).isFalse();
  }
}
