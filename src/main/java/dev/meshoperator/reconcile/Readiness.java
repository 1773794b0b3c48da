package dev.meshoperator.reconcile;

import dev.meshoperator.api.ComponentStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Step 7: per component desired/ready replicas, read from the live Deployments. A Deployment counts
 * as available when its controller has seen the current spec, its Available condition is True and
 * every replica runs the current template. Under an HPA the desired count is the live one.
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
    List<ComponentStatus> components = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (HasMetadata object : desired) {
      if (object instanceof DaemonSet) {
        daemonSet(object, live, components, waiting);
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
        waiting.add(object.getKind() + " " + object.getMetadata().getNamespace() + "/" + name + " (" + ready + "/" + desiredReplicas + " ready)");
      }
    }
    return new Report(List.copyOf(components), List.copyOf(waiting));
  }

  private static void daemonSet(HasMetadata object, Function<HasMetadata, Optional<HasMetadata>> live,
      List<ComponentStatus> components, List<String> waiting) {
    Optional<DaemonSet> current = live.apply(object).map(DaemonSet.class::cast);
    var status = current.map(DaemonSet::getStatus);
    int desired = status.map(s -> orZero(s.getDesiredNumberScheduled())).orElse(0);
    int ready = status.map(s -> orZero(s.getNumberReady())).orElse(0);
    String name = object.getMetadata().getName();
    components.add(new ComponentStatus(name, object.getKind(), desired, ready));
    if (current.isEmpty() || !available(current.get())) {
      waiting.add(object.getKind() + " " + object.getMetadata().getNamespace() + "/" + name + " (" + ready + "/" + desired + " ready)");
    }
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
        && orZero(status.getAvailableReplicas()) >= desiredReplicas;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
