package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.Problem;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.webhook.RevisionSettings;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The injector of each revision as the operator's webhook would pick it from the cluster's
 * MeshInstalls (the webhook's own {@link RevisionSettings}, so the rule cannot drift), and, when a
 * revision has none, a sentence saying why: no install has it, or the one that has it is being
 * deleted, invalid, or has its injector turned off.
 */
final class RevisionInjectors {
  private final List<MeshInstall> installs;
  private final RevisionSettings settings;
  private final boolean crdInstalled;

  /**
   * @param installs the cluster's MeshInstalls
   * @param crdInstalled false when the cluster has no meshinstalls resource at all (no operator)
   */
  RevisionInjectors(List<MeshInstall> installs, boolean nativeSidecars, boolean crdInstalled) {
    this.installs = List.copyOf(installs);
    this.crdInstalled = crdInstalled;
    this.settings = new RevisionSettings(() -> this.installs, c -> InjectionSettingsFactory.from(c, nativeSidecars));
  }

  /** @param revision "default" or a revision name */
  Optional<InjectionSettings> settings(String revision) {
    return settings.apply(revision);
  }

  /** The install serving {@code revision} (the oldest of those that claim it), if any. */
  Optional<MeshInstall> install(String revision) {
    return claiming(revision).stream().filter(mi -> mi.getMetadata().getDeletionTimestamp() == null).findFirst();
  }

  /** Why {@link #settings} is empty for {@code revision}, as the end of a sentence. */
  String whyNone(String revision) {
    List<MeshInstall> claiming = claiming(revision);
    if (claiming.isEmpty()) {
      return "no MeshInstall has revision " + revision + " (" + others() + ")";
    }
    Optional<MeshInstall> live = install(revision);
    if (live.isEmpty()) {
      return "MeshInstall " + name(claiming.get(0)) + " of revision " + revision + " is being deleted";
    }
    MeshInstall mi = live.get();
    List<Problem> problems = Profiles.validate(mi);
    if (!problems.isEmpty()) {
      return "MeshInstall " + name(mi) + " of revision " + revision + " is invalid (" + problems.get(0)
          + (problems.size() > 1 ? " and " + (problems.size() - 1) + " more" : "") + "); the webhook injects new pods "
          + "with its last valid settings (ConfigMap mesh-operator-last-valid-spec in its namespace) and a warning, "
          + "or fails the call when it has none";
    }
    return "MeshInstall " + name(mi) + " of revision " + revision + " has its sidecar injector turned off";
  }

  private List<MeshInstall> claiming(String revision) {
    return installs.stream()
        .filter(mi -> revisionOf(mi).equals(revision))
        .sorted(Comparator.comparing((MeshInstall mi) -> mi.getMetadata().getCreationTimestamp(),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(RevisionInjectors::name))
        .toList();
  }

  private String others() {
    if (!crdInstalled) {
      return "the cluster has no MeshInstall resource: the operator is not installed";
    }
    if (installs.isEmpty()) {
      return "the cluster has no MeshInstalls";
    }
    return "MeshInstalls: " + installs.stream()
        .sorted(Comparator.comparing(RevisionInjectors::name))
        .map(mi -> name(mi) + " has " + revisionOf(mi))
        .collect(Collectors.joining(", "));
  }

  static String revisionOf(MeshInstall mi) {
    return Revision.of(mi.getSpec() == null ? null : mi.getSpec().getRevision()).label();
  }

  private static String name(MeshInstall mi) {
    return mi.getMetadata().getName();
  }
}
