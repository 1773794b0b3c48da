package dev.meshoperator.reconcile;

import dev.meshoperator.api.ComponentStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Step 7: per component desired/ready replicas, read from the live Deployments. A Deployment counts
 * as available when its controller has seen the current spec, its Available condition is True,
 * every replica runs the current template and no pod of an older one is left (its rollout is over).
 * Under an HPA the desired count is the live one.
 * A DaemonSet (Istio CNI) counts as available when its controller has seen the current spec and
 * every node it should run on runs an available pod of the current template.
 */
public final class Readiness {
  /** What the status says about the workloads; {@code waitingFor} is empty when all are available. */
  public record Report(List<ComponentStatus> components, List<String> waitingFor) {
    public boolean allAvailable() {
      return waitingFor.isEmpty();
    }

    /** Whether the Deployment {@code name} is among the components and available. */
    public boolean available(String name) {
      return components.stream().anyMatch(c -> name.equals(c.getName()))
          && waitingFor.stream().noneMatch(w -> w.contains("/" + name + " ("));
    }
  }

  private Readiness() {}

  public static Report assess(List<HasMetadata> desired, Function<HasMetadata, Optional<HasMetadata>> live) {
    return assess(desired, live, d -> List.of());
  }

  /**
   * As {@link #assess(List, Function)}, and each Deployment or DaemonSet that is not available says
   * why: a Deployment from its own conditions (a refused pod creation, the progress deadline), both
   * from {@code podsOf} their pods (unschedulable, an image that cannot be pulled, a crash loop);
   * {@code podsOf} is asked only for workloads that are not available.
   */
  public static Report assess(List<HasMetadata> desired, Function<HasMetadata, Optional<HasMetadata>> live,
      Function<HasMetadata, List<Pod>> podsOf) {
    List<ComponentStatus> components = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (HasMetadata object : desired) {
      if (object instanceof DaemonSet) {
        daemonSet(object, live, podsOf, components, waiting);
        continue;
      }
      if (!(object instanceof Deployment wanted)) {
        continue;
      }
      Optional<Deployment> current = live.apply(object).map(Deployment.class::cast);
      int desiredReplicas = current.map(d -> d.getSpec().getReplicas())
          .or(() -> Optional.ofNullable(wanted.getSpec().getReplicas())).orElse(1);
      int ready = current.map(d -> d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas()).orElse(0);
      String name = object.getMetadata().getName();
      components.add(new ComponentStatus(name, object.getKind(), desiredReplicas, ready));
      if (current.isEmpty() || !available(current.get(), desiredReplicas)) {
        String rollout = current.map(Deployment::getStatus)
            .filter(st -> !rolloutOver(st))
            .map(st -> ", rolling out: " + orZero(st.getUpdatedReplicas()) + " of " + orZero(st.getReplicas()) + " pods updated")
            .orElse("");
        String why = current.flatMap(d -> why(d, podsOf.apply(d))).map(w -> ": " + w).orElse("");
        waiting.add(object.getKind() + " " + object.getMetadata().getNamespace() + "/" + name + " (" + ready + "/"
            + desiredReplicas + " ready" + rollout + why + ")");
      }
    }
    return new Report(List.copyOf(components), List.copyOf(waiting));
  }

  private static void daemonSet(HasMetadata object, Function<HasMetadata, Optional<HasMetadata>> live,
      Function<HasMetadata, List<Pod>> podsOf, List<ComponentStatus> components, List<String> waiting) {
    Optional<DaemonSet> current = live.apply(object).map(DaemonSet.class::cast);
    var status = current.map(DaemonSet::getStatus);
    int desired = status.map(s -> orZero(s.getDesiredNumberScheduled())).orElse(0);
    int ready = status.map(s -> orZero(s.getNumberReady())).orElse(0);
    String name = object.getMetadata().getName();
    components.add(new ComponentStatus(name, object.getKind(), desired, ready));
    if (current.isEmpty() || !available(current.get())) {
      String why = current.flatMap(d -> podReason(podsOf.apply(d))).map(w -> ": " + w).orElse("");
      waiting.add(object.getKind() + " " + object.getMetadata().getNamespace() + "/" + name + " (" + ready + "/" + desired
          + " ready" + why + ")");
    }
  }

  /** Longest reason quoted from the API server or the kubelet. */
  static final int MAX_REASON = 300;
  /** Waiting reasons of a container that is only on its way (not why a Deployment is stuck). */
  private static final java.util.Set<String> ON_ITS_WAY = java.util.Set.of("ContainerCreating", "PodInitializing");

  /**
   * Why {@code deployment} is not available, the first that applies: its controller could not
   * create a pod (ReplicaFailure: a quota, Pod Security, a webhook), it missed its progress
   * deadline, or one of {@code pods} (by name) cannot be scheduled or has a container waiting for
   * a reason other than being created (ImagePullBackOff, ErrImagePull, CrashLoopBackOff,
   * CreateContainerConfigError...).
   */
  static Optional<String> why(Deployment deployment, List<Pod> pods) {
    var conditions = deployment.getStatus() == null || deployment.getStatus().getConditions() == null
        ? List.<io.fabric8.kubernetes.api.model.apps.DeploymentCondition>of() : deployment.getStatus().getConditions();
    for (var c : conditions) {
      if ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus())) {
        return Optional.of(clip(c.getReason() + ": " + c.getMessage()));
      }
    }
    Optional<String> pod = podReason(pods);
    if (pod.isPresent()) {
      return pod;
    }
    for (var c : conditions) {
      if ("Progressing".equals(c.getType()) && "False".equals(c.getStatus())) {
        return Optional.of(clip(c.getReason() + ": " + c.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** The first of {@code pods} (by name) that cannot be scheduled or has a container stuck, and why. */
  static Optional<String> podReason(List<Pod> pods) {
    for (Pod pod : pods.stream().sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
      Optional<String> why = why(pod);
      if (why.isPresent()) {
        return Optional.of(clip("pod " + pod.getMetadata().getName() + " " + why.get()));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> why(Pod pod) {
    var status = pod.getStatus();
    if (status == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    if (status.getConditions() != null) {
      for (var c : status.getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
          return Optional.of("cannot be scheduled: " + c.getMessage());
        }
      }
    }
    List<io.fabric8.kubernetes.api.model.ContainerStatus> containers = new ArrayList<>();
    if (status.getInitContainerStatuses() != null) {
      containers.addAll(status.getInitContainerStatuses());
    }
    if (status.getContainerStatuses() != null) {
      containers.addAll(status.getContainerStatuses());
    }
    for (var c : containers) {
      var waiting = c.getState() == null ? null : c.getState().getWaiting();
      if (waiting != null && waiting.getReason() != null && !ON_ITS_WAY.contains(waiting.getReason())) {
        var last = c.getLastState() == null ? null : c.getLastState().getTerminated();
        String exit = last == null || last.getExitCode() == null ? "" : " (last exit code " + last.getExitCode() + ")";
        return Optional.of("container " + c.getName() + ": " + waiting.getReason() + exit
            + (waiting.getMessage() == null || waiting.getMessage().isEmpty() ? "" : ": " + waiting.getMessage()));
      }
    }
    return Optional.empty();
  }

  private static String clip(String text) {
    String line = text.replace('\n', ' ');
    return line.length() <= MAX_REASON ? line : line.substring(0, MAX_REASON - 3) + "...";
  }

  static boolean available(DaemonSet daemonSet) {
    var status = daemonSet.getStatus();
    if (status == null) {
      return false;
    }
    Long generation = daemonSet.getMetadata().getGeneration();
    // Before its controller's first look, a DaemonSet's status is all zeros: not yet "available".
    boolean observed = status.getObservedGeneration() != null && (generation == null || status.getObservedGeneration() >= generation);
    int desired = orZero(status.getDesiredNumberScheduled());
    return observed
        && orZero(status.getUpdatedNumberScheduled()) >= desired
        && orZero(status.getNumberAvailable()) >= desired
        && orZero(status.getNumberUnavailable()) == 0;
  }

  static boolean available(Deployment deployment, int desiredReplicas) {
    var status = deployment.getStatus();
    if (status == null) {
      return false;
    }
    Long generation = deployment.getMetadata().getGeneration();
    boolean observed = generation == null || status.getObservedGeneration() != null && status.getObservedGeneration() >= generation;
    boolean availableCondition = status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()));
    return observed && availableCondition
        && orZero(status.getUpdatedReplicas()) >= desiredReplicas
        && orZero(status.getAvailableReplicas()) >= desiredReplicas
        // and the rollout is over: a pod of the new template that cannot run leaves the old one available,
        // and the spec's change is not live (kubectl rollout status would still be waiting)
        && rolloutOver(status);
  }

  /** No pod of an older template is left. */
  private static boolean rolloutOver(DeploymentStatus status) {
    return orZero(status.getReplicas()) <= orZero(status.getUpdatedReplicas());
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
