package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import java.util.List;
import org.junit.jupiter.api.Test;

class CniOwnershipTest {

  private static MeshInstall install(String name, String created, boolean cni) {
    MeshInstall mi = MeshInstalls.named(name, Profile.MINIMAL);
    mi.getSpec().setRevision(name);
    mi.getMetadata().setCreationTimestamp(created);
    if (cni) {
      CniSpec spec = new CniSpec();
      spec.setEnabled(true);
      Components components = new Components();
      components.setCni(spec);
      mi.getSpec().setComponents(components);
    }
    return mi;
  }

  @Test
  void theOldestInstallEnablingCniOwnsItAndAnotherIsRefusedNamingIt() {
    MeshInstall older = install("blue", "2026-12-01T10:00:00Z", true);
    MeshInstall newer = install("green", "2026-12-02T10:00:00Z", true);
    List<MeshInstall> all = List.of(newer, older);

    assertThat(CniOwnership.conflict(older, all)).isEmpty();
    assertThat(CniOwnership.conflict(newer, all)).hasValueSatisfying(p -> {
      assertThat(p.field()).isEqualTo("spec.components.cni.enabled");
      assertThat(p.reason()).contains("MeshInstall 'blue'");
    });
  }

  @Test
  void anOlderInstallWithoutCniDoesNotBlock() {
    MeshInstall older = install("blue", "2026-12-01T10:00:00Z", false);
    MeshInstall newer = install("green", "2026-12-02T10:00:00Z", true);
    assertThat(CniOwnership.conflict(newer, List.of(older, newer))).isEmpty();
    assertThat(CniOwnership.conflict(older, List.of(older, newer))).as("it does not ask for CNI").isEmpty();
  }
}
