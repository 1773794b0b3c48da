package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.WorkloadUpdateStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How a restarted workload's rollout is judged, as kubectl rollout status judges it, and what one
 * step of the move makes of what it finds.
 */
class WorkloadMoverTest {
  private static final Instant NOW = Instant.parse("2026-12-03T06:00:00Z");
  private static final String OLD = "demo-1-30-3";
  private static final String ACTIVE = "demo-1-31-4";
  private static final WorkloadMover.Workload WEB = new WorkloadMover.Workload("Deployment", "shop", "web");

  /** Pods, their owners and the workloads, in memory; restarts are recorded and written to the template. */
  private static final class FakeCluster implements WorkloadMover.Cluster {
    final List<ObjectMeta> pods = new ArrayList<>();
    final Map<String, WorkloadMover.Workload> owners = new HashMap<>();
    final Map<WorkloadMover.Workload, Deployment> workloads = new HashMap<>();
    final List<WorkloadMover.Workload> restarts = new ArrayList<>();

    FakeCluster pod(String name, String revision, WorkloadMover.Workload owner, boolean terminating) {
      ObjectMetaBuilder pod = new ObjectMetaBuilder().withName(name).withNamespace(owner.namespace())
          .addToAnnotations(RevisionUsage.REV_ANNOTATION, revision);
      if (terminating) {
        pod.withDeletionTimestamp(NOW.minusSeconds(1).toString());
      }
      pods.add(pod.build());
      owners.put(name, owner);
      return this;
    }

    FakeCluster deployment(WorkloadMover.Workload w, Deployment d) {
      workloads.put(w, d);
      return this;
    }

    @Override
    public List<ObjectMeta> pods() {
      return pods;
    }

    @Override
    public Optional<WorkloadMover.Workload> ownerOf(ObjectMeta pod) {
      return Optional.ofNullable(owners.get(pod.getName()));
    }

    @Override
    public Optional<HasMetadata> get(WorkloadMover.Workload w) {
      return Optional.ofNullable(workloads.get(w));
    }

    @Override
    public void restart(WorkloadMover.Workload w, String active, Instant now) {
      restarts.add(w);
      workloads.put(w, new DeploymentBuilder(workloads.get(w)).editSpec().editOrNewTemplate().editOrNewMetadata()
          .addToAnnotations(WorkloadMover.RESTARTED_AT, now.toString())
          .addToAnnotations(WorkloadMover.RESTARTED_FOR, active).endMetadata().endTemplate().endSpec().build());
    }
  }

  /** web, 2 replicas; {@code restartedFor} on its template when the move restarted it. */
  private static Deployment web(String restartedFor, int updated, int available, int replicas) {
    DeploymentBuilder d = deployment(2, 2, updated, available, replicas).editMetadata().withNamespace("shop").endMetadata()
        .editSpec().withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().endTemplate().endSpec();
    if (restartedFor != null) {
      d.editSpec().editTemplate().editMetadata().addToAnnotations(WorkloadMover.RESTARTED_FOR, restartedFor)
          .addToAnnotations(WorkloadMover.RESTARTED_AT, NOW.minusSeconds(1).toString()).endMetadata().endTemplate().endSpec();
    }
    return d.build();
  }

  private static WorkloadUpdateStatus step(FakeCluster cluster, WorkloadUpdateStatus previous) {
    return WorkloadMover.step(cluster, Set.of(OLD), ACTIVE, true, previous, NOW);
  }

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

  @Test
  void aMoveRestartsAtMostTwoWorkloadsAtATimeAndNamesThem() {
    var api = new WorkloadMover.Workload("Deployment", "shop", "api");
    var cart = new WorkloadMover.Workload("Deployment", "shop", "cart");
    FakeCluster cluster = new FakeCluster()
        .deployment(WEB, web(null, 2, 2, 2)).deployment(api, web(null, 2, 2, 2)).deployment(cart, web(null, 2, 2, 2))
        .pod("web-1", OLD, WEB, false).pod("api-1", OLD, api, false).pod("cart-1", OLD, cart, false);
    WorkloadUpdateStatus status = step(cluster, null);
    assertThat(status.getState()).isEqualTo(WorkloadMover.IN_PROGRESS);
    assertThat(cluster.restarts).containsExactly(api, cart);
    assertThat(status.getRestarted()).containsExactly("Deployment shop/api", "Deployment shop/cart");
    assertThat(status.getRemaining()).isEqualTo(3);
    assertThat(status.getMessage()).contains("2 rolling out, 1 waiting");
  }

  /**
   * The CI flake of UpgradeIT: the reconcile after the one that restarted web read the status from
   * before that restart (the watch had not brought the write back yet) while web's old pods were
   * terminating. It said Succeeded with nothing restarted, and that status stayed.
   */
  @Test
  void aStepThatReadsAStatusFromBeforeTheRestartStillNamesItAndWaitsForTheOldPodsToGo() {
    FakeCluster cluster = new FakeCluster()
        // the Deployment controller counts no terminating pod: to it the rollout is done
        .deployment(WEB, web(ACTIVE, 2, 2, 2))
        .pod("web-old-1", OLD, WEB, true).pod("web-old-2", OLD, WEB, true)
        .pod("web-new-1", ACTIVE, WEB, false).pod("web-new-2", ACTIVE, WEB, false);

    WorkloadUpdateStatus stale = step(cluster, null);
    assertThat(stale.getState()).as("pods of the old revision still run").isEqualTo(WorkloadMover.IN_PROGRESS);
    assertThat(stale.getRestarted()).containsExactly("Deployment shop/web");
    assertThat(stale.getMessage()).contains("2 pod(s) of older revisions still terminating");
    assertThat(cluster.restarts).as("restarted once, not again").isEmpty();

    cluster.pods.removeIf(p -> p.getDeletionTimestamp() != null);
    WorkloadUpdateStatus done = step(cluster, stale);
    assertThat(done.getState()).isEqualTo(WorkloadMover.SUCCEEDED);
    assertThat(done.getRestarted()).containsExactly("Deployment shop/web");
    assertThat(done.getRemaining()).isZero();
  }

  @Test
  void aStepThatReadsAStatusFromBeforeTheRestartWhileItRollsCountsItAsRestartedAndDoesNotRestartItAgain() {
    FakeCluster cluster = new FakeCluster()
        .deployment(WEB, web(ACTIVE, 1, 2, 3))
        .pod("web-old-1", OLD, WEB, false).pod("web-old-2", OLD, WEB, true).pod("web-new-1", ACTIVE, WEB, false);
    WorkloadUpdateStatus status = step(cluster, null);
    assertThat(status.getState()).isEqualTo(WorkloadMover.IN_PROGRESS);
    assertThat(status.getRestarted()).containsExactly("Deployment shop/web");
    assertThat(status.getMessage()).contains("1 rolling out, 0 waiting");
    assertThat(cluster.restarts).isEmpty();
  }
}
