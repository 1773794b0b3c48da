package dev.meshoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** crds/ is what users apply; it must be exactly what the build generates from the api types. */
class CrdFreshnessTest {
  private static final String HOW_TO_REFRESH =
      "crds/ is stale: run `mvn -B process-classes && cp target/crds/*.yml crds/` and commit crds/";

  private final Path basedir = Path.of(System.getProperty("mesh.basedir", "."));

  @Test
  void checkedInCrdsMatchGeneratedOnes() throws IOException {
    Path generated = basedir.resolve("target/crds");
    Path checkedIn = basedir.resolve("crds");
    assertThat(generated).as("generated CRDs (crd-generator-maven-plugin, phase process-classes)").isDirectory();

    List<String> generatedNames = yamlNames(generated);
    assertThat(generatedNames).as("the build generates the MeshInstall CRD").contains(MeshInstall.CRD_NAME + "-v1.yml");
    assertThat(yamlNames(checkedIn)).as(HOW_TO_REFRESH).isEqualTo(generatedNames);
    for (String name : generatedNames) {
      // Report the first differing line rather than two 2000-line files.
      assertThat(firstDifference(Files.readAllLines(checkedIn.resolve(name)), Files.readAllLines(generated.resolve(name))))
          .as(HOW_TO_REFRESH + " (" + name + " differs)")
          .isEmpty();
    }
  }

  @Test
  void crdCarriesTheImmutabilityAndRemoteRules() throws IOException {
    String crd = Files.readString(basedir.resolve("crds").resolve(MeshInstall.CRD_NAME + "-v1.yml"));
    assertThat(crd)
        .contains("has(oldSelf.revision)")
        .contains("has(oldSelf.__namespace__)")
        .contains("self.profile != 'remote'")
        .contains("name: \"Profile\"", "name: \"Revision\"", "name: \"State\"", "name: \"Age\"");
  }

  private static String firstDifference(List<String> checkedIn, List<String> generated) {
    for (int i = 0; i < Math.max(checkedIn.size(), generated.size()); i++) {
      String a = i < checkedIn.size() ? checkedIn.get(i) : "<end of file>";
      String b = i < generated.size() ? generated.get(i) : "<end of file>";
      if (!a.equals(b)) {
        return "line " + (i + 1) + ": crds/ has [" + a + "], target/crds has [" + b + "]";
      }
    }
    return "";
  }

  private static List<String> yamlNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml")).sorted().toList();
    }
  }
}
