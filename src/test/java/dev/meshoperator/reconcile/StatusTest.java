package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.WebhookStatus;
import dev.meshoperator.profile.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTest {
  private static final Readiness.Report READY = new Readiness.Report(
      List.of(new dev.meshoperator.api.ComponentStatus("istiod", "Deployment", 1, 1)), List.of());
  private static final Readiness.Report WAITING = new Readiness.Report(
      List.of(new dev.meshoperator.api.ComponentStatus("istiod", "Deployment", 1, 0)), List.of("Deployment istio-system/istiod (0/1 ready)"));

  private static MeshInstall install(long generation) {
    MeshInstall install = MeshInstalls.named("demo", Profile.MINIMAL);
    install.getMetadata().setGeneration(generation);
    return install;
  }

  private static StatusFactory at(String instant) {
    return new StatusFactory(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
  }

  private static Condition condition(MeshInstallStatus status, String type) {
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void deletingSaysSoAndKeepsTheLastComponentCounts() {
    MeshInstall install = install(3);
    install.setStatus(at("2026-01-01T00:00:00Z").installed(install, 12, READY));
    MeshInstallStatus status = at("2026-01-01T00:05:00Z").deleting(install, java.util.List.of());
    assertThat(status.getState()).isEqualTo(dev.meshoperator.api.MeshState.Deleting);
    assertThat(status.getComponents()).isEqualTo(install.getStatus().getComponents());
    assertThat(condition(status, MeshInstallStatus.READY).getStatus()).isEqualTo("False");
    assertThat(condition(status, MeshInstallStatus.READY).getReason()).isEqualTo(StatusFactory.REASON_UNINSTALLING);
    assertThat(condition(status, MeshInstallStatus.RECONCILED).getMessage()).contains("removing everything");
  }

  @Test
  void deletingNamesWhatIsLeftAndWhyAndSaysBlockedOnlyWhenSomethingHoldsIt() {
    MeshInstall install = install(3);
    var terminating = new Uninstaller.Leftover(new ObjectKey("Namespace", null, "cp"), "terminating", false);
    MeshInstallStatus waiting = at("2026-01-01T00:05:00Z").deleting(install, java.util.List.of(terminating));
    assertThat(condition(waiting, MeshInstallStatus.RECONCILED).getReason()).isEqualTo(StatusFactory.REASON_UNINSTALLING);
    assertThat(condition(waiting, MeshInstallStatus.RECONCILED).getMessage()).endsWith("still there: Namespace/cp (terminating)");

    var held = new Uninstaller.Leftover(new ObjectKey("ConfigMap", "cp", "istio"),
        "terminating, held by finalizer example.com/hold", true);
    MeshInstallStatus blocked = at("2026-01-01T00:05:00Z").deleting(install, java.util.List.of(held, terminating));
    assertThat(condition(blocked, MeshInstallStatus.RECONCILED).getReason()).isEqualTo(StatusFactory.REASON_UNINSTALL_BLOCKED);
    assertThat(condition(blocked, MeshInstallStatus.RECONCILED).getMessage())
        .contains("ConfigMap/cp/istio (terminating, held by finalizer example.com/hold)", "meshctl uninstall --force");
  }

  @Test
  void sameStatusAtALaterTimeIsNoChange() {
    MeshInstall install = install(1);
    install.setStatus(at("2025-01-01T10:00:00Z").installed(install, 12, READY));
    MeshInstallStatus again = at("2025-01-01T11:00:00Z").installed(install, 12, READY);

    assertThat(StatusDiff.same(install.getStatus(), again)).isTrue();
    assertThat(condition(again, MeshInstallStatus.READY).getLastTransitionTime()).isEqualTo("2025-01-01T10:00:00Z");
  }

  @Test
  void aConditionFlipIsAChangeWithANewTransitionTime() {
    MeshInstall install = install(1);
    install.setStatus(at("2025-01-01T10:00:00Z").installed(install, 12, WAITING));
    MeshInstallStatus ready = at("2025-01-01T10:00:30Z").installed(install, 12, READY);

    assertThat(StatusDiff.same(install.getStatus(), ready)).isFalse();
    assertThat(condition(ready, MeshInstallStatus.READY).getLastTransitionTime()).isEqualTo("2025-01-01T10:00:30Z");
    assertThat(condition(ready, MeshInstallStatus.RECONCILED).getLastTransitionTime()).isEqualTo("2025-01-01T10:00:00Z");
    assertThat(ready.getState()).isEqualTo(MeshState.Ready);
  }

  @Test
  void anEmptyListReadsLikeNoList() {
    MeshInstallStatus a = new MeshInstallStatus();
    MeshInstallStatus b = new MeshInstallStatus();
    b.setInjectionNamespaces(null);
    assertThat(StatusDiff.same(a, b)).isTrue();
    assertThat(StatusDiff.same(null, b)).isFalse();
  }

  @Test
  void installingUntilReadyThenDegradedWhenAComponentFallsOver() {
    MeshInstall install = install(1);
    StatusFactory statuses = at("2025-01-01T10:00:00Z");
    assertThat(statuses.installed(install, 12, WAITING).getState()).isEqualTo(MeshState.Installing);
    install.setStatus(statuses.installed(install, 12, READY));
    assertThat(statuses.installed(install, 12, WAITING).getState()).isEqualTo(MeshState.Degraded);

    MeshInstall changedSpec = install(2);
    changedSpec.setStatus(install.getStatus());
    assertThat(statuses.installed(changedSpec, 12, WAITING).getState()).as("a new spec rolling out").isEqualTo(MeshState.Installing);
  }

  @Test
  void invalidSpecListsEveryProblemAndKeepsReadinessAsItWas() {
    MeshInstall install = install(1);
    StatusFactory statuses = at("2025-01-01T10:00:00Z");
    install.setStatus(statuses.installed(install, 12, READY));
    MeshInstall edited = install(2);
    edited.setStatus(install.getStatus());

    MeshInstallStatus invalid = statuses.invalid(edited, List.of(
        new Problem("spec.components.pilot.replicas", "must not be negative"),
        new Problem("spec.remote.address", "is required")));

    assertThat(invalid.getState()).isEqualTo(MeshState.Error);
    assertThat(condition(invalid, MeshInstallStatus.RECONCILED).getReason()).isEqualTo("InvalidSpec");
    assertThat(condition(invalid, MeshInstallStatus.RECONCILED).getMessage())
        .isEqualTo("spec.components.pilot.replicas: must not be negative; spec.remote.address: is required");
    assertThat(condition(invalid, MeshInstallStatus.READY).getStatus()).isEqualTo("True");
    assertThat(invalid.getComponents()).hasSize(1);
    assertThat(invalid.getObservedGeneration()).isEqualTo(2);
  }

  @Test
  void conflictNamesTheWinnerAndWebhookStatusIsCarriedOver() {
    MeshInstall install = install(1);
    MeshInstallStatus previous = new MeshInstallStatus();
    WebhookStatus webhook = new WebhookStatus();
    webhook.setState("Ready");
    previous.setWebhook(webhook);
    install.setStatus(previous);

    MeshInstallStatus conflict = at("2025-01-01T10:00:00Z").conflict(install, MeshInstalls.named("first", Profile.DEFAULT));

    assertThat(conflict.getState()).isEqualTo(MeshState.Conflict);
    assertThat(condition(conflict, MeshInstallStatus.RECONCILED).getMessage()).contains("MeshInstall 'first'");
    assertThat(conflict.getWebhook().getState()).isEqualTo("Ready");
  }

  @Test
  void aFailedReconcileOrAnInvalidSpecKeepsWhatTheWorkloadMoveRestarted() {
    MeshInstall install = install(1);
    StatusFactory statuses = at("2025-01-01T10:00:00Z");
    MeshInstallStatus installed = statuses.installed(install, 12, READY);
    var move = new dev.meshoperator.api.WorkloadUpdateStatus();
    move.setRevision("demo-1-31-4");
    move.setState("InProgress");
    move.setRestarted(List.of("Deployment shop/web"));
    installed.setWorkloadUpdate(move);
    install.setStatus(installed);

    MeshInstallStatus failed = statuses.failed(install, "ReconcileFailed", "apply: connection reset");
    assertThat(failed.getWorkloadUpdate().getRestarted()).containsExactly("Deployment shop/web");
    MeshInstallStatus invalid = statuses.invalid(install, List.of(new Problem("spec.remote.address", "is required")));
    assertThat(invalid.getWorkloadUpdate().getRestarted()).containsExactly("Deployment shop/web");
  }

  @Test
  void readinessCountsReplicasAndWaitsForAvailability() {
    var desired = new DeploymentBuilder().withNewMetadata().withName("istiod").withNamespace("istio-system").endMetadata()
        .withNewSpec().endSpec().build();
    var live = new DeploymentBuilder(desired).editMetadata().withGeneration(3L).endMetadata()
        .editSpec().withReplicas(2).endSpec()
        .withNewStatus().withObservedGeneration(3L).withReadyReplicas(1).withUpdatedReplicas(2).withAvailableReplicas(1)
          .addNewCondition().withType("Available").withStatus("True").endCondition()
        .endStatus().build();

    Readiness.Report report = Readiness.assess(List.of(desired), o -> java.util.Optional.of(live));
    assertThat(report.components()).singleElement().satisfies(c -> {
      assertThat(c.getDesiredReplicas()).as("under an HPA the live count").isEqualTo(2);
      assertThat(c.getReadyReplicas()).isEqualTo(1);
    });
    assertThat(report.allAvailable()).isFalse();

    var available = new DeploymentBuilder(live).editStatus().withReadyReplicas(2).withAvailableReplicas(2).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(available)).allAvailable()).isTrue();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.empty()).waitingFor())
        .containsExactly("Deployment istio-system/istiod (0/1 ready)");
  }

  private static io.fabric8.kubernetes.api.model.Pod pod(String name, String yamlStatus) {
    var pod = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        "metadata: {name: " + name + "}\nstatus: " + yamlStatus, io.fabric8.kubernetes.api.model.Pod.class);
    return pod;
  }

  @Test
  void aDeploymentThatIsNotAvailableSaysWhyFromItsConditionsAndItsPods() {
    var desired = new DeploymentBuilder().withNewMetadata().withName("istiod").withNamespace("istio-system").endMetadata()
        .withNewSpec().withReplicas(1).endSpec().build();
    var stuck = new DeploymentBuilder(desired).editMetadata().withGeneration(1L).endMetadata()
        .withNewStatus().withObservedGeneration(1L).withReplicas(1).withUpdatedReplicas(1).withUnavailableReplicas(1)
          .addNewCondition().withType("Available").withStatus("False").withReason("MinimumReplicasUnavailable").endCondition()
        .endStatus().build();
    java.util.function.Function<List<io.fabric8.kubernetes.api.model.Pod>, List<String>> waiting = pods ->
        Readiness.assess(List.of(desired), o -> java.util.Optional.of(stuck), d -> pods).waitingFor();

    assertThat(waiting.apply(List.of())).containsExactly("Deployment istio-system/istiod (0/1 ready)");
    assertThat(waiting.apply(List.of(pod("istiod-a", "{conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable,"
        + " message: '0/3 nodes are available: 3 node(s) didn''t match Pod''s node affinity/selector.'}]}"))))
        .containsExactly("Deployment istio-system/istiod (0/1 ready: pod istiod-a cannot be scheduled: 0/3 nodes are available:"
            + " 3 node(s) didn't match Pod's node affinity/selector.)");
    // On its way is no reason; the first pod by name with one is quoted.
    assertThat(waiting.apply(List.of(
        pod("istiod-c", "{containerStatuses: [{name: discovery, state: {waiting: {reason: CrashLoopBackOff,"
            + " message: 'back-off 40s restarting failed container'}}, lastState: {terminated: {exitCode: 2}}}]}"),
        pod("istiod-a", "{containerStatuses: [{name: discovery, state: {waiting: {reason: ContainerCreating}}}]}"),
        pod("istiod-b", "{containerStatuses: [{name: discovery, state: {waiting: {reason: ImagePullBackOff,"
            + " message: 'Back-off pulling image \"docker.io/Istio/pilot:1.32.0\"'}}}]}")))).containsExactly(
        "Deployment istio-system/istiod (0/1 ready: pod istiod-b container discovery: ImagePullBackOff: Back-off pulling image"
            + " \"docker.io/Istio/pilot:1.32.0\")");
    assertThat(waiting.apply(List.of(pod("istiod-c", "{containerStatuses: [{name: discovery, state: {waiting: {reason:"
        + " CrashLoopBackOff, message: 'back-off 40s restarting failed container'}}, lastState: {terminated: {exitCode: 2}}}]}"))))
        .containsExactly("Deployment istio-system/istiod (0/1 ready: pod istiod-c container discovery: CrashLoopBackOff (last"
            + " exit code 2): back-off 40s restarting failed container)");

    // The controller could not create the pod at all: its condition says why, before any pod.
    var refused = new DeploymentBuilder(stuck).editStatus().addNewCondition().withType("ReplicaFailure").withStatus("True")
        .withReason("FailedCreate").withMessage("pods \"istiod-x\" is forbidden: exceeded quota: no-pods, requested: pods=1,"
            + " used: pods=0, limited: pods=0").endCondition().endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(refused), d -> List.of()).waitingFor())
        .containsExactly("Deployment istio-system/istiod (0/1 ready: FailedCreate: pods \"istiod-x\" is forbidden: exceeded"
            + " quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0)");

    // Pods are asked for only for a Deployment that is not available.
    var available = new DeploymentBuilder(stuck).editStatus().withReadyReplicas(1).withUpdatedReplicas(1).withAvailableReplicas(1)
        .withConditions(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder().withType("Available")
            .withStatus("True").build()).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(available), d -> {
      throw new AssertionError("pods of an available Deployment read");
    }).allAvailable()).isTrue();
  }

  @Test
  void aRolloutWhoseNewPodCannotRunIsNotAvailableThoughTheOldPodServes() {
    // An edit whose new pod cannot be scheduled: the old pod keeps the Deployment "Available", but
    // the edit is not live. Seen by hand: replicas 2, updated 1, available 1.
    var desired = new DeploymentBuilder().withNewMetadata().withName("istio-ingressgateway").withNamespace("istio-system")
        .endMetadata().withNewSpec().withReplicas(1).endSpec().build();
    var rolling = new DeploymentBuilder(desired).editMetadata().withGeneration(3L).endMetadata()
        .withNewStatus().withObservedGeneration(3L).withReplicas(2).withUpdatedReplicas(1).withReadyReplicas(1)
          .withAvailableReplicas(1).withUnavailableReplicas(1)
          .addNewCondition().withType("Available").withStatus("True").endCondition()
        .endStatus().build();
    Readiness.Report report = Readiness.assess(List.of(desired), o -> java.util.Optional.of(rolling), d -> List.of(
        pod("istio-ingressgateway-new", "{conditions: [{type: PodScheduled, status: 'False', message: '0/2 nodes are"
            + " available'}]}")));
    assertThat(report.allAvailable()).isFalse();
    assertThat(report.waitingFor()).containsExactly("Deployment istio-system/istio-ingressgateway (1/1 ready, rolling out: 1"
        + " of 2 pods updated: pod istio-ingressgateway-new cannot be scheduled: 0/2 nodes are available)");

    var done = new DeploymentBuilder(rolling).editStatus().withReplicas(1).withUnavailableReplicas(0).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(done)).allAvailable()).isTrue();
  }

  @Test
  void readinessCountsADaemonSetsNodesAndWaitsForEveryOne() {
    var desired = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder().withNewMetadata().withName("istio-cni-node")
        .withNamespace("istio-system").endMetadata().withNewSpec().endSpec().build();
    var fresh = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder(desired).editMetadata().withGeneration(1L).endMetadata()
        .withNewStatus().withDesiredNumberScheduled(0).withNumberReady(0).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(fresh)).allAvailable())
        .as("not yet observed by its controller").isFalse();

    var rolling = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder(fresh).editStatus().withObservedGeneration(1L)
        .withDesiredNumberScheduled(3).withNumberReady(2).withUpdatedNumberScheduled(3).withNumberAvailable(2)
        .withNumberUnavailable(1).endStatus().build();
    Readiness.Report report = Readiness.assess(List.of(desired), o -> java.util.Optional.of(rolling));
    assertThat(report.components()).singleElement().satisfies(c -> {
      assertThat(c.getKind()).isEqualTo("DaemonSet");
      assertThat(c.getDesiredReplicas()).isEqualTo(3);
      assertThat(c.getReadyReplicas()).isEqualTo(2);
    });
    assertThat(report.waitingFor()).containsExactly("DaemonSet istio-system/istio-cni-node (2/3 ready)");
    // Its pods say why, as a Deployment's do.
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(rolling), d -> List.of(
        pod("istio-cni-node-x", "{containerStatuses: [{name: install-cni, state: {waiting: {reason: ErrImagePull,"
            + " message: 'not found'}}}]}"))).waitingFor())
        .containsExactly("DaemonSet istio-system/istio-cni-node (2/3 ready: pod istio-cni-node-x container install-cni:"
            + " ErrImagePull: not found)");

    var done = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder(rolling).editStatus().withNumberReady(3)
        .withNumberAvailable(3).withNumberUnavailable(0).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(done)).allAvailable()).isTrue();
    var oldTemplate = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder(done).editStatus().withUpdatedNumberScheduled(2).endStatus().build();
    assertThat(Readiness.assess(List.of(desired), o -> java.util.Optional.of(oldTemplate)).allAvailable())
        .as("a node still runs the old template").isFalse();
  }
}
