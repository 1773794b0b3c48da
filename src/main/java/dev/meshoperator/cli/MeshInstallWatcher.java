package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import dev.meshoperator.api.ComponentStatus;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.WebhookStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Polls a MeshInstall and prints what changed (state, each component's ready/desired, the webhook,
 * a Reconciled=False message) until it is Ready or deleted. Polling rather than a watch: a CLI
 * that prints a line a second gains nothing from a watch and must survive API server hiccups.
 */
final class MeshInstallWatcher {
  static final Duration POLL = Duration.ofMillis(500);
  static final String OPERATOR_HINT = "is the operator running? kubectl -n " + BundledManifests.OPERATOR_NAMESPACE
      + " get pods; details: kubectl describe meshinstall ";

  private final ClusterConnection cluster;
  private final Progress progress;
  /** What was last printed for each line key, so that only changes are printed. */
  private final Map<String, String> shown = new LinkedHashMap<>();

  MeshInstallWatcher(ClusterConnection cluster, Progress progress) {
    this.cluster = cluster;
    this.progress = progress;
  }

  MeshInstall awaitReady(String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long begun = System.nanoTime();
    progress.line("waiting up to " + DurationConverter.format(timeout) + " for meshinstall/" + name + " to be Ready");
    while (true) {
      MeshInstall mi = read(name);
      report(mi);
      if (isReady(mi)) {
        progress.line("meshinstall/" + name + " is Ready after "
            + DurationConverter.format(Duration.ofNanos(System.nanoTime() - begun)));
        return mi;
      }
      if (System.nanoTime() > deadline) {
        throw CliException.failure("meshinstall/" + name + " is not Ready after " + DurationConverter.format(timeout)
            + ": " + whyNotReady(mi), OPERATOR_HINT + name);
      }
      sleep();
    }
  }

  /** The MeshInstall as it is now; one that disappears while being waited for is an error. */
  private MeshInstall read(String name) {
    MeshInstall mi = cluster.call("read MeshInstall " + name,
        () -> cluster.client().resources(MeshInstall.class).withName(name).get());
    if (mi == null) {
      throw CliException.failure("meshinstall/" + name + " was deleted while waiting for it", "install it again");
    }
    return mi;
  }

  /**
   * Waits until the MeshInstall runs {@code version}: Ready at that version and, when it moves
   * workloads (RevisionBased with updateWorkloads), until no pod runs an older revision. Fails at
   * once when the operator refuses the change or a workload's rollout fails.
   */
  MeshInstall awaitUpgraded(String name, String version, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long begun = System.nanoTime();
    progress.line("waiting up to " + DurationConverter.format(timeout) + " for meshinstall/" + name + " to run " + version);
    while (true) {
      MeshInstall mi = read(name);
      report(mi);
      reportRevisions(mi);
      MeshInstallStatus s = mi.getStatus();
      boolean current = s != null && s.getObservedGeneration() != null
          && s.getObservedGeneration().equals(mi.getMetadata().getGeneration());
      Optional<Condition> refused = current ? condition(s, MeshInstallStatus.RECONCILED)
          .filter(c -> "False".equals(c.getStatus()) && "UpgradeRefused".equals(c.getReason())) : Optional.empty();
      if (refused.isPresent()) {
        throw CliException.failure("meshinstall/" + name + ": " + ErrorReporter.oneLine(refused.get().getMessage()),
            "upgrade one minor release at a time: meshctl upgrade " + name + " --version <next minor's release>");
      }
      if (current && s.getWorkloadUpdate() != null && "Failed".equals(s.getWorkloadUpdate().getState())) {
        throw CliException.failure("meshinstall/" + name + ": " + s.getWorkloadUpdate().getMessage(),
            "kubectl get meshinstall " + name + " -o jsonpath='{.status.workloadUpdate}'");
      }
      if (current && isReady(mi) && version.equals(s.getAppliedVersion()) && workloadsMoved(mi)) {
        progress.line("meshinstall/" + name + " runs " + version + " (revision " + s.getActiveRevision() + ") after "
            + DurationConverter.format(Duration.ofNanos(System.nanoTime() - begun)));
        return mi;
      }
      if (System.nanoTime() > deadline) {
        throw CliException.failure("meshinstall/" + name + " does not run " + version + " after "
            + DurationConverter.format(timeout) + ": " + whyNotReady(mi), OPERATOR_HINT + name);
      }
      sleep();
    }
  }

  /** With updateWorkloads under RevisionBased: no pod left on an older revision. */
  private static boolean workloadsMoved(MeshInstall mi) {
    var strategy = mi.getSpec().getUpdateStrategy();
    if (strategy == null || !Boolean.TRUE.equals(strategy.getUpdateWorkloads())
        || strategy.getType() != dev.meshoperator.api.UpdateStrategyType.RevisionBased) {
      return true;
    }
    return mi.getStatus().getRevisions().stream()
        .noneMatch(r -> !Boolean.TRUE.equals(r.getActive()) && r.getPods() != null && r.getPods() > 0);
  }

  private void reportRevisions(MeshInstall mi) {
    if (mi.getStatus() == null || mi.getStatus().getRevisions() == null) {
      return;
    }
    for (var r : mi.getStatus().getRevisions()) {
      show("revision " + r.getName(), "  revision " + r.getName() + " (" + r.getVersion() + "): "
          + (Boolean.TRUE.equals(r.getActive()) ? "active" : "draining") + ", "
          + (Boolean.TRUE.equals(r.getReady()) ? "ready" : "not ready") + ", " + orZero(r.getPods()) + " pods");
    }
    var move = mi.getStatus().getWorkloadUpdate();
    if (move != null) {
      show("workloads", "  workloads: " + move.getState() + ": " + move.getMessage());
    }
  }

  /** Waits for the MeshInstall to be gone: its finalizer has removed what it installed. */
  void awaitDeleted(String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long begun = System.nanoTime();
    while (true) {
      MeshInstall mi = cluster.call("read MeshInstall " + name,
          () -> cluster.client().resources(MeshInstall.class).withName(name).get());
      if (mi == null) {
        progress.line("meshinstall/" + name + " deleted after "
            + DurationConverter.format(Duration.ofNanos(System.nanoTime() - begun)));
        return;
      }
      show("finalizers", "  finalizers: " + String.join(", ", mi.getMetadata().getFinalizers()));
      // The state from before the deletion (often Ready) would only confuse here.
      if (mi.getStatus() != null && mi.getStatus().getState() == MeshState.Deleting) {
        show("state", "  state: " + mi.getStatus().getState());
        condition(mi.getStatus(), MeshInstallStatus.RECONCILED).map(Condition::getMessage)
            .ifPresent(message -> show("left", "  " + message));
      }
      if (System.nanoTime() > deadline) {
        throw CliException.failure("meshinstall/" + name + " is still there after " + DurationConverter.format(timeout)
            + " (finalizers: " + String.join(", ", mi.getMetadata().getFinalizers()) + ")",
            "the operator runs the finalizer: is it running? (kubectl -n " + BundledManifests.OPERATOR_NAMESPACE
                + " get pods); kubectl get meshinstall " + name + " -o yaml says what is left and why. As a last resort: "
                + "meshctl uninstall --force " + name + " (removes the finalizer, leaves what is left behind)");
      }
      sleep();
    }
  }

  static boolean isReady(MeshInstall mi) {
    MeshInstallStatus s = mi.getStatus();
    if (s == null || s.getState() != MeshState.Ready) {
      return false;
    }
    boolean current = s.getObservedGeneration() == null || mi.getMetadata().getGeneration() == null
        || s.getObservedGeneration() >= mi.getMetadata().getGeneration();
    WebhookStatus w = s.getWebhook();
    return current && (w == null || "Ready".equals(w.getState()) || "Disabled".equals(w.getState()));
  }

  static String whyNotReady(MeshInstall mi) {
    MeshInstallStatus s = mi.getStatus();
    if (s == null) {
      return "the operator has not reported any status";
    }
    Optional<Condition> reconciled = condition(s, MeshInstallStatus.RECONCILED).filter(c -> "False".equals(c.getStatus()));
    if (reconciled.isPresent()) {
      return "not reconciled: " + reconciled.get().getReason() + ": " + ErrorReporter.oneLine(reconciled.get().getMessage());
    }
    Optional<Condition> ready = condition(s, MeshInstallStatus.READY).filter(c -> !"True".equals(c.getStatus()));
    if (ready.isPresent()) {
      return "state " + s.getState() + ": " + ErrorReporter.oneLine(ready.get().getMessage());
    }
    if (s.getWebhook() != null && !"Ready".equals(s.getWebhook().getState())) {
      return "webhook " + s.getWebhook().getState() + ": " + s.getWebhook().getMessage();
    }
    return "state " + s.getState();
  }

  static Optional<Condition> condition(MeshInstallStatus s, String type) {
    return s.getConditions() == null ? Optional.empty()
        : s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private void report(MeshInstall mi) {
    MeshInstallStatus s = mi.getStatus();
    if (s == null) {
      show("status", "  no status yet: waiting for the operator to pick it up");
      return;
    }
    show("state", "  state: " + s.getState());
    condition(s, MeshInstallStatus.RECONCILED).filter(c -> "False".equals(c.getStatus()))
        .ifPresent(c -> show("reconciled", "  not reconciled: " + c.getReason() + ": " + ErrorReporter.oneLine(c.getMessage())));
    for (ComponentStatus c : s.getComponents()) {
      show("component " + c.getKind() + "/" + c.getName(), "  " + c.getKind() + "/" + c.getName() + ": "
          + orZero(c.getReadyReplicas()) + "/" + orZero(c.getDesiredReplicas()) + " ready");
    }
    WebhookStatus w = s.getWebhook();
    if (w != null) {
      show("webhook", "  webhook " + Objects.toString(w.getConfigurationName(), "-") + ": " + w.getState()
          + (w.getMessage() == null || "Ready".equals(w.getState()) ? "" : " (" + w.getMessage() + ")"));
    }
  }

  private void show(String key, String line) {
    if (!line.equals(shown.get(key))) {
      shown.put(key, line);
      progress.line(line);
    }
  }

  static int orZero(Integer n) {
    return n == null ? 0 : n;
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted", null);
    }
  }
}
