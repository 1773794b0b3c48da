package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** examples/ offline: one MeshInstall per profile that our own validation and renderer accept. */
class ExamplesTest {

  private static MeshInstall meshInstall(String file) {
    return Serialization.unmarshal(Manifests.read(Manifests.EXAMPLES.resolve(file)), MeshInstall.class);
  }

  @Test
  void everyProfileHasAnExampleNamedAfterIt() {
    Map<Profile, String> byProfile = Arrays.stream(Profile.values())
        .collect(Collectors.toMap(p -> p, p -> "meshinstall-" + p.wireName() + ".yaml"));
    byProfile.forEach((profile, file) -> {
      MeshInstall mi = meshInstall(file);
      assertThat(mi.getSpec().getProfile()).as(file).isEqualTo(profile);
      assertThat(mi.getMetadata().getName()).as(file).isEqualTo(profile.wireName());
    });
  }

  @Test
  void everyMeshInstallExampleValidatesAndRenders() {
    List<Path> files = Manifests.yamlFiles(Manifests.EXAMPLES).stream()
        .filter(p -> p.getFileName().toString().startsWith("meshinstall-")).toList();
    assertThat(files).hasSize(Profile.values().length + 2);
    for (Path file : files) {
      MeshInstall mi = meshInstall(file.getFileName().toString());
      assertThat(Profiles.validate(mi)).as(file.getFileName().toString()).isEmpty();
      List<HasMetadata> rendered = new Renderer().render(Profiles.resolve(mi));
      if (mi.getSpec().getProfile() != Profile.EMPTY) {
        assertThat(rendered).as(file.getFileName().toString()).isNotEmpty();
      }
    }
  }

  @Test
  void canaryIsARevisionThatRendersSuffixedNames() {
    MeshInstall canary = meshInstall("meshinstall-canary.yaml");
    assertThat(canary.getSpec().getRevision()).isEqualTo("canary");
    assertThat(new Renderer().render(Profiles.resolve(canary)))
        .filteredOn(Deployment.class::isInstance)
        .extracting(o -> o.getMetadata().getName())
        .contains("istiod-canary");
  }

  @Test
  void remoteNamesItsExternalIstiod() {
    assertThat(meshInstall("meshinstall-remote.yaml").getSpec().getRemote().getAddress()).isNotBlank();
  }

  @Test
  void sampleAppNamespaceIsLabelledForInjection() {
    List<HasMetadata> objects = Manifests.parse(Manifests.EXAMPLES.resolve("sample-app.yaml"));
    Namespace ns = Manifests.single(objects, Namespace.class);
    assertThat(ns.getMetadata().getLabels()).containsEntry("istio-injection", "enabled");
    assertThat(objects).extracting(HasMetadata::getKind)
        .containsExactly("Namespace", "ServiceAccount", "Service", "Deployment");
    assertThat(objects).filteredOn(o -> !(o instanceof Namespace))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(ns.getMetadata().getName()));
  }
}
