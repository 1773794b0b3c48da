package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How a restarted workload's rollout is judged, as kubectl rollout status judges it. */
class WorkloadMoverTest {
  private static final Instant NOW = Instant.parse("2026-12-03T06:00:00Z");

  private static DeploymentBuilder deployment(long generation, long observed, int updated, int available, int replicas) {
    return new DeploymentBuilder().withNewMetadata().withName("web").withGeneration(generation).endMetadata()
        .withNewSpec().withReplicas(2).endSpec()
        .withNewStatus().withObservedGeneration(observed).withUpdatedReplicas(updated).withAvailableReplicas(available)
        .withReplicas(replicas).endStatus();
  }

  @Test
  void aDeploymentIsHealthyOnlyWhenAllReplicasAreUpdatedAvailableAndTheOldOnesGone() {
    assertThat(WorkloadMover.health(deployment(3, 3, 2, 2, 2).build(), NOW)).isEqualTo(WorkloadMover.Health.HEALTHY);
    assertThat(WorkloadMover.health(deployment(3, 2, 2, 2, 2).build(), NOW)).as("spec not yet observed")
        .isEqualTo(WorkloadMover.Health.PROGRESSING);
    assertThat(WorkloadMover.health(deployment(3, 3, 1, 2, 3).build(), NOW)).as("old pods still there")
        .isEqualTo(WorkloadMover.Health.PROGRESSING);
    assertThat(WorkloadMover.health(deployment(3, 3, 1, 1, 2).editStatus().addNewCondition().withType("Progressing")
        .withStatus("False").withReason("ProgressDeadlineExceeded").withMessage("ReplicaSet \"web-1\" has timed out progressing.")
        .endCondition().endStatus().build(), NOW)).isEqualTo(WorkloadMover.Health.FAILED);
  }

  @Test
  void statefulSetsAndDaemonSetsFailWhenNotRolledOutWithinTheTimeoutOfTheirRestart() {
    var restarted = NOW.minus(WorkloadMover.ROLLOUT_TIMEOUT).minusSeconds(1).toString();
    var sts = new StatefulSetBuilder().withNewMetadata().withName("db").withGeneration(2L).endMetadata()
        .withNewSpec().withReplicas(1).withNewTemplate().withNewMetadata()
          .addToAnnotations(WorkloadMover.RESTARTED_AT, restarted).endMetadata().endTemplate().endSpec()
        .withNewStatus().withObservedGeneration(2L).withUpdatedReplicas(0).withReadyReplicas(1)
          .withCurrentRevision("db-1").withUpdateRevision("db-2").endStatus();
    assertThat(WorkloadMover.health(sts.build(), NOW)).isEqualTo(WorkloadMover.Health.FAILED);
    assertThat(WorkloadMover.health(sts.build(), NOW.minusSeconds(120))).isEqualTo(WorkloadMover.Health.PROGRESSING);
    assertThat(WorkloadMover.health(sts.editStatus().withUpdatedReplicas(1).withCurrentRevision("db-2").endStatus().build(), NOW))
        .isEqualTo(WorkloadMover.Health.HEALTHY);

    var ds = new DaemonSetBuilder().withNewMetadata().withName("agent").withGeneration(4L).endMetadata()
        .withNewSpec().withNewTemplate().withNewMetadata().addToAnnotations(WorkloadMover.RESTARTED_AT, restarted)
          .endMetadata().endTemplate().endSpec()
        .withNewStatus().withObservedGeneration(4L).withDesiredNumberScheduled(3).withUpdatedNumberScheduled(3)
          .withNumberAvailable(2).endStatus();
    assertThat(WorkloadMover.health(ds.build(), NOW)).isEqualTo(WorkloadMover.Health.FAILED);
    assertThat(WorkloadMover.health(ds.editStatus().withNumberAvailable(3).endStatus().build(), NOW))
        .isEqualTo(WorkloadMover.Health.HEALTHY);
  }
}
