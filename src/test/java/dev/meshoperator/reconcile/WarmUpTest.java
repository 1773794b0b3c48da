package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Upgrades;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-up warm-up renders the whole demo profile with no cluster at all (no client exists here). */
class WarmUpTest {
  @Test
  void rendersEveryObjectOfTheDemoProfileWithoutACluster() {
    MeshInstall demo = new MeshInstall();
    demo.setMetadata(new ObjectMetaBuilder().withName("demo").build());
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(Profile.DEMO);
    demo.setSpec(spec);
    int expected = new Renderer(List.of()).render(Upgrades.configs(demo, List.of())).size();

    assertThat(expected).isGreaterThan(30);
    assertThat(new MeshInstallReconciler(List.of()).warmUp()).isEqualTo(expected);
  }
}
