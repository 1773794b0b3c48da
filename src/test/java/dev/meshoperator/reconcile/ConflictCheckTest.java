package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConflictCheckTest {
  private static MeshInstall install(String name, String revision, String created) {
    MeshInstall install = MeshInstalls.named(name, Profile.MINIMAL);
    install.getSpec().setRevision(revision);
    install.getMetadata().setCreationTimestamp(created);
    return install;
  }

  @Test
  void theOlderInstallOfARevisionWins() {
    MeshInstall older = install("zeta", null, "2025-01-01T10:00:00Z");
    MeshInstall newer = install("alpha", null, "2025-01-01T10:00:05Z");
    List<MeshInstall> all = List.of(newer, older);

    assertThat(ConflictCheck.winnerOver(newer, all)).contains(older);
    assertThat(ConflictCheck.winnerOver(older, all)).isEmpty();
  }

  @Test
  void sameSecondIsDecidedByName() {
    MeshInstall a = install("a", "canary", "2025-01-01T10:00:00Z");
    MeshInstall b = install("b", "canary", "2025-01-01T10:00:00Z");
    assertThat(ConflictCheck.winnerOver(b, List.of(a, b))).contains(a);
    assertThat(ConflictCheck.winnerOver(a, List.of(a, b))).isEmpty();
  }

  @Test
  void differentRevisionsCoexist() {
    MeshInstall stable = install("stable", null, "2025-01-01T10:00:00Z");
    MeshInstall canary = install("canary", "1-31", "2025-01-01T11:00:00Z");
    assertThat(ConflictCheck.winnerOver(canary, List.of(stable, canary))).isEmpty();
  }

  @Test
  void emptyRevisionIsTheDefaultRevision() {
    MeshInstall unset = install("unset", null, "2025-01-01T10:00:00Z");
    MeshInstall empty = install("empty", "", "2025-01-01T10:00:01Z");
    MeshInstall named = install("named", "default", "2025-01-01T10:00:02Z");
    List<MeshInstall> all = List.of(named, empty, unset);
    assertThat(ConflictCheck.winnerOver(empty, all)).contains(unset);
    // "default" as a name yields istio.io/rev=default, the same label as no revision at all.
    assertThat(ConflictCheck.winnerOver(named, all)).contains(unset);
  }

  @Test
  void aNotYetPersistedInstallNeverWinsOverAStoredOne() {
    MeshInstall stored = install("stored", null, "2025-01-01T10:00:00Z");
    MeshInstall fresh = install("aaa", null, null);
    assertThat(ConflictCheck.winnerOver(fresh, List.of(stored, fresh))).contains(stored);
  }

  @Test
  void aRevisionTagOrTheDefaultTagOfARevisionBasedInstallConflictsLikeARevision() {
    MeshInstall stable = install("stable", "prod", "2025-01-01T10:00:00Z");
    MeshInstall tagging = install("tagging", "other", "2025-01-01T10:00:05Z");
    tagging.getSpec().setRevisionTags(List.of("prod"));
    assertThat(ConflictCheck.winnerOver(tagging, List.of(stable, tagging))).contains(stable);
    assertThat(ConflictCheck.shared(tagging, stable)).containsExactly("prod");

    MeshInstall inPlaceDefault = install("classic", null, "2025-01-01T10:00:00Z");
    MeshInstall revisionBased = install("rb", null, "2025-01-01T10:00:05Z");
    var strategy = new dev.meshoperator.api.UpdateStrategySpec();
    strategy.setType(dev.meshoperator.api.UpdateStrategyType.RevisionBased);
    revisionBased.getSpec().setUpdateStrategy(strategy);
    assertThat(ConflictCheck.winnerOver(revisionBased, List.of(inPlaceDefault, revisionBased)))
        .as("its default tag is the default revision's label").contains(inPlaceDefault);
    revisionBased.getSpec().setRevision("rb");
    assertThat(ConflictCheck.winnerOver(revisionBased, List.of(inPlaceDefault, revisionBased))).isEmpty();
  }
}
