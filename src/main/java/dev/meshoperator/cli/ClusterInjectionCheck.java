package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.DecisionCode;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * check-inject for objects read from a cluster: the namespace's real labels choose the revision,
 * the cluster's MeshInstall of that revision decides (as the webhook would), and for a pod that
 * exists, whether it has a sidecar and what to do when that disagrees with the decision. The
 * webhook only acts when a pod is created, so a disagreement always means "restart it". Pure.
 */
final class ClusterInjectionCheck {
  /** The rule shown when no MeshInstall serves the revision asked for (not an injector decision). */
  static final String NO_MESHINSTALL = "NO_MESHINSTALL";

  private final String namespace;
  private final Map<String, String> namespaceLabels;
  private final RevisionInjectors injectors;

  ClusterInjectionCheck(String namespace, Map<String, String> namespaceLabels, RevisionInjectors injectors) {
    this.namespace = namespace;
    this.namespaceLabels = namespaceLabels == null ? Map.of() : Map.copyOf(namespaceLabels);
    this.injectors = injectors;
  }

  CheckInjectCommand.Verdict check(HasMetadata object) {
    String kind = object.getKind();
    String name = object.getMetadata().getName();
    Optional<Workloads.WorkloadPod> workload = Workloads.podOf(object);
    if (workload.isEmpty()) {
      return new CheckInjectCommand.Verdict(kind, name, namespace, CheckInjectCommand.SKIPPED, null,
          "NO_POD_TEMPLATE", "the object has no pod template");
    }
    Pod pod = workload.get().pod();
    Optional<String> asked = InjectionPolicy.requestedRevision(pod, namespaceLabels);
    String revision = asked.orElse(InjectionSettings.DEFAULT_REVISION);
    Optional<InjectionSettings> settings = injectors.settings(revision);
    // Without an injector for the revision, decide with a stand-in of that revision, so that the
    // rules that skip a pod anyway (hostNetwork, opt-outs) still get their say.
    Decision d = InjectionPolicy.decide(pod, namespaceLabels, namespace,
        settings.orElseGet(() -> standIn(revision)));

    String inject;
    String rule = d.code().name();
    String reason = d.reason();
    if (settings.isEmpty() && asked.isPresent() && (d.inject() || d.code() == DecisionCode.OTHER_REVISION)) {
      inject = CheckInjectCommand.SKIPPED;
      rule = NO_MESHINSTALL;
      reason = d.reason() + ", but " + injectors.whyNone(revision);
    } else if (d.inject()) {
      InjectionResult result = SidecarInjector.inject(pod, namespace, settings.get());
      inject = result.ok() ? CheckInjectCommand.INJECTED : CheckInjectCommand.REFUSED;
      reason = result.ok() ? reason : "would be denied: " + result.message();
    } else {
      inject = CheckInjectCommand.SKIPPED;
    }
    if (!(object instanceof Pod running)) {
      return new CheckInjectCommand.Verdict(kind, name, namespace, inject, d.revision(), rule, reason);
    }
    SidecarPresence presence = SidecarPresence.of(running);
    return new CheckInjectCommand.Verdict(kind, name, namespace, inject, d.revision(), rule, reason,
        presence.describe(), advice(running, inject, revision, presence).orElse(null));
  }

  /** What to do when the pod's sidecar disagrees with the decision; empty when they agree. */
  private Optional<String> advice(Pod pod, String inject, String revision, SidecarPresence presence) {
    String restart = pod.getMetadata().getOwnerReferences() == null || pod.getMetadata().getOwnerReferences().isEmpty()
        ? "recreate it" : "restart it (delete the pod and its controller makes a new one)";
    boolean wanted = CheckInjectCommand.INJECTED.equals(inject);
    if (wanted && !presence.present()) {
      Optional<MeshInstall> install = injectors.install(revision);
      if (install.isPresent() && createdBefore(pod, install.get())) {
        return Optional.of("the pod has no sidecar: it started before MeshInstall "
            + install.get().getMetadata().getName() + " existed; " + restart);
      }
      return Optional.of("the pod has no sidecar: it was labelled after the pod started (or it started while the "
          + "webhook was unreachable under failurePolicy Ignore); " + restart);
    }
    if (wanted && presence.revision() != null && !presence.revision().equals(revision)) {
      return Optional.of("the pod runs revision " + presence.revision() + "'s sidecar; " + restart
          + " to move it to revision " + revision);
    }
    if (!wanted && presence.present()) {
      return Optional.of("the pod still has the sidecar it was given when it started, but would not get one now; "
          + restart + " to drop it");
    }
    return Optional.empty();
  }

  private static boolean createdBefore(HasMetadata a, HasMetadata b) {
    try {
      String ta = a.getMetadata().getCreationTimestamp();
      String tb = b.getMetadata().getCreationTimestamp();
      return ta != null && tb != null && Instant.parse(ta).isBefore(Instant.parse(tb));
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static InjectionSettings standIn(String revision) {
    // no control plane, so no namespace is its namespace
    return InjectionSettings.defaults().toBuilder().revision(revision).controlPlaneNamespace("").build();
  }
}
