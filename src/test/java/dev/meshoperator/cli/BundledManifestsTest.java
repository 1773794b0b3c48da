package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.localcluster.KubeBinaries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The copies of deploy/ that meshctl carries in its jar (copied by the build) are deploy/, byte for byte. */
class BundledManifestsTest {
  private static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", ".")).toAbsolutePath().normalize();

  @Test
  void bundledFilesAreExactlyTheYamlFilesOfDeploy() throws IOException {
    try (Stream<Path> files = Files.list(BASEDIR.resolve("deploy"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.ya?ml")).sorted().toList())
          .isEqualTo(BundledManifests.FILES);
    }
    for (String file : BundledManifests.FILES) {
      assertThat(BundledManifests.text(file))
          .as("the jar's %s%s differs from deploy/%s; check the deploy resource in pom.xml", BundledManifests.DIR, file, file)
          .isEqualTo(Files.readString(BASEDIR.resolve("deploy").resolve(file)));
    }
  }

  @Test
  void crdIsTheGeneratedOneAndOperatorImageCanBeReplaced() throws IOException {
    assertThat(BundledManifests.text("01-crd.yaml"))
        .isEqualTo(Files.readString(BASEDIR.resolve("crds/meshinstalls.meshoperator.dev-v1.yml")));
    assertThat(BundledManifests.crd().getMetadata().getName()).isEqualTo("meshinstalls.meshoperator.dev");
    assertThat(BundledManifests.operator("example.com/mo:1").stream()
        .filter(o -> o instanceof io.fabric8.kubernetes.api.model.apps.Deployment).map(o -> Yaml.yaml(o)).findFirst())
        .hasValueSatisfying(y -> assertThat(y).contains("image: \"example.com/mo:1\""));
    assertThat(BundledManifests.clusterRules()).hasSizeGreaterThan(10);
    assertThat(BundledManifests.namespaceRules()).isNotEmpty();
  }

  @Test
  void pinnedKubernetesVersionOfTheDemoIsTheTestEnvironmentsOne() throws IOException {
    String pinned = Files.readAllLines(BASEDIR.resolve("hack/kube-testenv/go.mod")).stream()
        .map(String::trim).filter(l -> l.startsWith("k8s.io/kubernetes "))
        .map(l -> l.split("\\s+")[1].replaceFirst("^v", "")).findFirst().orElseThrow();
    assertThat(KubeBinaries.pinnedVersion())
        .as("src/main/resources/meshctl/kube-testenv.version must name the version of hack/kube-testenv/go.mod")
        .isEqualTo(pinned);
  }
}
