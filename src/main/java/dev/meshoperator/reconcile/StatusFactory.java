package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.profile.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Step 8, first half: the status a reconcile outcome deserves. Fields this controller does not
 * compute (the webhook's state, injection namespaces) are carried over from the current status, and
 * conditions keep their lastTransitionTime while their status does not change.
 */
public final class StatusFactory {
  public static final String REASON_APPLIED = "Applied";
  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_CONFLICT = "Conflict";
  /** A version change Istio does not support in one step; the control plane stays as it was. */
  public static final String REASON_UPGRADE_REFUSED = "UpgradeRefused";
  public static final String REASON_AVAILABLE = "AllComponentsAvailable";
  public static final String REASON_UNAVAILABLE = "ComponentsUnavailable";
  public static final String REASON_UNINSTALLING = "Uninstalling";
  public static final String REASON_UNINSTALL_BLOCKED = "UninstallBlocked";
  private static final int MAX_LISTED = 10;

  private final Clock clock;

  public StatusFactory(Clock clock) {
    this.clock = clock;
  }

  public MeshInstallStatus conflict(MeshInstall install, MeshInstall winner) {
    java.util.Set<String> shared = ConflictCheck.shared(install, winner);
    String message = (shared.size() == 1 && shared.contains(ConflictCheck.revisionOf(install)) ? "revision '" + ConflictCheck.revisionOf(install) + "'"
        : "revision or tag '" + String.join("', '", shared) + "'") + " is already installed by MeshInstall '"
        + winner.getMetadata().getName() + "' (the older one wins); this one changes nothing until that one is deleted";
    MeshInstallStatus status = base(install);
    status.setState(MeshState.Conflict);
    status.setConditions(conditions(install,
        condition(install, MeshInstallStatus.RECONCILED, false, REASON_CONFLICT, message),
        condition(install, MeshInstallStatus.READY, false, REASON_CONFLICT, message)));
    return status;
  }

  /** The running control plane is left as it was, so Ready and the components keep their values. */
  public MeshInstallStatus invalid(MeshInstall install, List<Problem> problems) {
    String message = problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
    MeshInstallStatus status = base(install);
    status.setState(MeshState.Error);
    keepReadiness(install, status);
    status.setConditions(conditions(install,
        condition(install, MeshInstallStatus.RECONCILED, false,
            problems.stream().allMatch(dev.meshoperator.profile.Upgrades::isRefusal) ? REASON_UPGRADE_REFUSED : REASON_INVALID_SPEC,
            message),
        previousReady(install)));
    return status;
  }

  /** While the finalizer removes what the install created; {@code remaining} is what is still there. */
  public MeshInstallStatus deleting(MeshInstall install, List<Uninstaller.Leftover> remaining) {
    MeshInstallStatus status = base(install);
    status.setState(MeshState.Deleting);
    keepReadiness(install, status);
    String message = remaining.isEmpty() ? "removing everything this MeshInstall created"
        : "removing everything this MeshInstall created; still there: " + remaining.stream().limit(MAX_LISTED)
            .map(Uninstaller.Leftover::toString).collect(Collectors.joining(", "))
            + (remaining.size() > MAX_LISTED ? " and " + (remaining.size() - MAX_LISTED) + " more" : "")
            + (remaining.stream().anyMatch(Uninstaller.Leftover::blocked)
                ? "; the finalizer stays until they are gone (meshctl uninstall --force removes it and leaves them)" : "");
    status.setConditions(conditions(install,
        condition(install, MeshInstallStatus.RECONCILED, false,
            remaining.stream().anyMatch(Uninstaller.Leftover::blocked) ? REASON_UNINSTALL_BLOCKED : REASON_UNINSTALLING,
            message),
        condition(install, MeshInstallStatus.READY, false, REASON_UNINSTALLING, "being uninstalled")));
    return status;
  }

  /** An API request failed in {@code step}; retried with backoff. */
  public MeshInstallStatus failed(MeshInstall install, String reason, String message) {
    MeshInstallStatus status = base(install);
    status.setState(MeshState.Error);
    keepReadiness(install, status);
    status.setConditions(conditions(install,
        condition(install, MeshInstallStatus.RECONCILED, false, reason, message),
        previousReady(install)));
    return status;
  }

  public MeshInstallStatus installed(MeshInstall install, int objectCount, Readiness.Report readiness) {
    MeshInstallStatus status = base(install);
    status.setComponents(new ArrayList<>(readiness.components()));
    status.setState(state(install, readiness));
    String applied = "profile " + install.getSpec().getProfile().wireName() + ", revision " + ConflictCheck.revisionOf(install)
        + ": " + objectCount + " objects in sync";
    Condition ready = readiness.allAvailable()
        ? condition(install, MeshInstallStatus.READY, true, REASON_AVAILABLE,
            readiness.components().isEmpty() ? "no workloads to run" : "all " + readiness.components().size() + " workloads are available")
        : condition(install, MeshInstallStatus.READY, false, REASON_UNAVAILABLE,
            "waiting for " + String.join(", ", readiness.waitingFor()));
    status.setConditions(conditions(install,
        condition(install, MeshInstallStatus.RECONCILED, true, REASON_APPLIED, applied), ready));
    return status;
  }

  /**
   * {@code installed} with Reconciled=False, MissingPermission: what could be applied was, but the
   * operator lacks a permission it needs (named in {@code message}).
   */
  public MeshInstallStatus missingPermission(MeshInstall install, MeshInstallStatus installed, String message) {
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(install, MeshInstallStatus.RECONCILED, false, Permission.REASON_MISSING, message));
    installed.getConditions().stream().filter(c -> !MeshInstallStatus.RECONCILED.equals(c.getType())).forEach(conditions::add);
    installed.setConditions(conditions(install, conditions.toArray(Condition[]::new)));
    return installed;
  }

  /** Degraded only once it was installed at this generation; a new spec rolling out is Installing. */
  static MeshState state(MeshInstall install, Readiness.Report readiness) {
    if (readiness.allAvailable()) {
      return MeshState.Ready;
    }
    MeshInstallStatus old = install.getStatus();
    boolean wasUp = old != null && (old.getState() == MeshState.Ready || old.getState() == MeshState.Degraded)
        && old.getObservedGeneration() != null && old.getObservedGeneration().equals(install.getMetadata().getGeneration());
    return wasUp ? MeshState.Degraded : MeshState.Installing;
  }

  private static MeshInstallStatus base(MeshInstall install) {
    MeshInstallStatus status = new MeshInstallStatus();
    status.setObservedGeneration(install.getMetadata().getGeneration());
    MeshInstallStatus old = install.getStatus();
    if (old != null) {
      status.setWebhook(old.getWebhook());
      status.setInjectionNamespaces(old.getInjectionNamespaces());
      // What runs is what ran until a reconcile applies something else.
      status.setAppliedVersion(old.getAppliedVersion());
      status.setActiveRevision(old.getActiveRevision());
      status.setRevisions(old.getRevisions());
      // What the workload move did stays named while a reconcile fails or the spec is invalid.
      status.setWorkloadUpdate(old.getWorkloadUpdate());
    }
    return status;
  }

  private static void keepReadiness(MeshInstall install, MeshInstallStatus status) {
    if (install.getStatus() != null && install.getStatus().getComponents() != null) {
      status.setComponents(install.getStatus().getComponents());
    }
  }

  private static Condition previousReady(MeshInstall install) {
    return find(install.getStatus(), MeshInstallStatus.READY);
  }

  private List<Condition> conditions(MeshInstall install, Condition... conditions) {
    List<Condition> result = new ArrayList<>();
    for (Condition c : conditions) {
      if (c == null) {
        continue;
      }
      Condition old = find(install.getStatus(), c.getType());
      boolean unchanged = old != null && old.getStatus() != null && old.getStatus().equals(c.getStatus()) && old.getLastTransitionTime() != null;
      c.setLastTransitionTime(unchanged ? old.getLastTransitionTime() : clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
      result.add(c);
    }
    return result;
  }

  static Condition find(MeshInstallStatus status, String type) {
    if (status == null || status.getConditions() == null) {
      return null;
    }
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
        .map(c -> new ConditionBuilder(c).build()).orElse(null);
  }

  private static Condition condition(MeshInstall install, String type, boolean value, String reason, String message) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(value ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(install.getMetadata().getGeneration())
        .build();
  }
}
