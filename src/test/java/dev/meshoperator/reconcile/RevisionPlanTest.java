package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.api.UpdateStrategySpec;
import dev.meshoperator.api.UpdateStrategyType;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionPlanTest {
  private static final Instant NOW = Instant.parse("2026-12-03T06:00:00Z");

  private static MeshInstall upgraded(String unusedSince) {
    MeshInstall mi = MeshInstalls.named("demo", Profile.MINIMAL);
    mi.getSpec().setVersion("1.31.4");
    UpdateStrategySpec strategy = new UpdateStrategySpec();
    strategy.setType(UpdateStrategyType.RevisionBased);
    strategy.setInactiveRevisionDeletionGracePeriodSeconds(30L);
    mi.getSpec().setUpdateStrategy(strategy);
    RevisionStatus old = new RevisionStatus("demo-1-30-3", "1.30.3");
    old.setUnusedSince(unusedSince);
    MeshInstallStatus status = new MeshInstallStatus();
    status.setRevisions(List.of(old));
    mi.setStatus(status);
    return mi;
  }

  @Test
  void anOldRevisionStaysWhilePodsUseItAndIsPolledMeanwhile() {
    MeshInstall mi = upgraded("2026-12-03T05:00:00Z");
    EffectiveConfig active = Profiles.resolve(mi);
    RevisionPlan plan = RevisionPlan.of(mi, active, Map.of(), Map.of("demo-1-30-3", 2), NOW);
    assertThat(plan.retained()).singleElement().satisfies(r -> {
      assertThat(r.getPods()).isEqualTo(2);
      assertThat(r.getDraining()).isTrue();
      assertThat(r.getUnusedSince()).as("pods came back: the count restarts").isNull();
    });
    assertThat(plan.removed()).isEmpty();
    assertThat(plan.recheck()).contains(RevisionPlan.POLL);
  }

  @Test
  void unusedItWaitsTheGracePeriodFromWhenItWasFirstSeenUnusedThenGoes() {
    MeshInstall mi = upgraded(null);
    EffectiveConfig active = Profiles.resolve(mi);
    RevisionPlan first = RevisionPlan.of(mi, active, Map.of(), Map.of(), NOW);
    assertThat(first.retained()).singleElement().satisfies(r -> assertThat(r.getUnusedSince()).isEqualTo(NOW.toString()));
    assertThat(first.recheck()).contains(Duration.ofSeconds(31));

    MeshInstall later = upgraded(NOW.toString());
    RevisionPlan before = RevisionPlan.of(later, active, Map.of(), Map.of(), NOW.plusSeconds(29));
    assertThat(before.retained()).hasSize(1);
    RevisionPlan after = RevisionPlan.of(later, active, Map.of(), Map.of(), NOW.plusSeconds(30));
    assertThat(after.retained()).isEmpty();
    assertThat(after.removed()).containsExactly("demo-1-30-3");
    assertThat(after.recheck()).isEmpty();
  }

  @Test
  void aRunningIstiodOfAnotherRevisionIsKeptEvenWhenTheStatusLostIt() {
    MeshInstall mi = upgraded(null);
    mi.getStatus().setRevisions(List.of());
    EffectiveConfig active = Profiles.resolve(mi);
    RevisionPlan plan = RevisionPlan.of(mi, active, Map.of("demo-1-30-3", "1.30.3", "demo-1-31-4", "1.31.4"),
        Map.of("demo-1-30-3", 1), NOW);
    assertThat(plan.retained()).extracting(RevisionStatus::getName).containsExactly("demo-1-30-3");
    assertThat(plan.statuses(active, Map.of("demo-1-31-4", 3), true, name -> false))
        .extracting(RevisionStatus::getName, RevisionStatus::getActive, RevisionStatus::getPods, RevisionStatus::getReady)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("demo-1-31-4", true, 3, true),
            org.assertj.core.groups.Tuple.tuple("demo-1-30-3", false, 1, false));
  }
}
