package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.BaseSpec;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each example MeshInstall renders to exactly its golden YAML. A change in rendering shows up as a
 * reviewable diff of src/test/resources/golden; refresh with -Dgolden.update=true.
 */
class GoldenRenderTest {
  private static final String UPDATE = "golden.update";

  static Stream<Arguments> examples() throws IOException {
    MeshInstall canary = MeshInstalls.named("canary", Profile.DEFAULT);
    canary.getSpec().setRevision("canary");
    // Istio CNI on, in another namespace, with a revision (its names stay Istio's fixed ones).
    MeshInstall cni = MeshInstalls.named("with-cni", Profile.MINIMAL);
    cni.getSpec().setRevision("canary");
    CniSpec cniSpec = new CniSpec();
    cniSpec.setEnabled(true);
    cniSpec.setNamespace("kube-system");
    cniSpec.setExcludeNamespaces(List.of("kube-system", "istio-system"));
    Components components = new Components();
    components.setCni(cniSpec);
    // Without the CRDs, which the minimal golden already shows: this golden is about CNI.
    BaseSpec base = new BaseSpec();
    base.setEnabled(false);
    components.setBase(base);
    cni.getSpec().setComponents(components);
    MeshInstall full;
    try (InputStream in = GoldenRenderTest.class.getResourceAsStream("/meshinstalls/full.yaml")) {
      full = Serialization.unmarshal(in, MeshInstall.class);
    }
    return Stream.concat(
        Stream.of(Profile.values()).map(p -> Arguments.of(p.wireName(), MeshInstalls.example(p))),
        Stream.of(Arguments.of("default-revision-canary", canary), Arguments.of("full", full),
            Arguments.of("minimal-cni", cni)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void rendersItsGolden(String golden, MeshInstall install) throws IOException {
    assertThat(Profiles.validate(install)).as("the example is valid").isEmpty();
    String actual = yaml(new Renderer().render(Profiles.resolve(install)));
    Path file = goldenDir().resolve(golden + ".yaml");

    if (Boolean.getBoolean(UPDATE)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden %s missing; run: mvn -B test -Dtest=GoldenRenderTest -D%s=true", file, UPDATE).exists();
    assertThat(actual)
        .as("rendering of %s differs from %s; if the change is intended, run "
            + "`mvn -B test -Dtest=GoldenRenderTest -D%s=true` and review the diff of the golden files", golden, file, UPDATE)
        .isEqualTo(Files.readString(file));
  }

  static String yaml(List<HasMetadata> objects) {
    return GoldenYaml.of(objects);
  }

  private static Path goldenDir() {
    return Path.of(System.getProperty("mesh.basedir", ".")).resolve("src/test/resources/golden");
  }
}
