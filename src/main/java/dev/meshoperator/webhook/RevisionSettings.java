package dev.meshoperator.webhook;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.profile.Revision;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which injection settings serve a revision: those of the MeshInstall of that revision. When two
 * claim the same revision the older wins, as in the reconciler's conflict rule; an install whose
 * spec does not validate serves nothing (the reconciler reports why in its status).
 */
public final class RevisionSettings implements Function<String, Optional<InjectionSettings>> {
  private final Supplier<Collection<MeshInstall>> installs;
  private final Function<EffectiveConfig, InjectionSettings> toSettings;
  private final Map<String, Memo> latest = new ConcurrentHashMap<>();

  public RevisionSettings(Supplier<Collection<MeshInstall>> installs,
      Function<EffectiveConfig, InjectionSettings> toSettings) {
    this.installs = installs;
    this.toSettings = toSettings;
  }

  /** {@code revisionLabel} is "default" or the revision name, as in the webhook path. */
  @Override
  public Optional<InjectionSettings> apply(String revisionLabel) {
    Optional<MeshInstall> serving = installs.get().stream()
        .filter(mi -> mi.getMetadata().getDeletionTimestamp() == null)
        .filter(mi -> Revision.of(mi.getSpec() == null ? null : mi.getSpec().getRevision()).label()
            .equals(revisionLabel))
        .min(Comparator.comparing((MeshInstall mi) -> mi.getMetadata().getCreationTimestamp(),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(mi -> mi.getMetadata().getName()));
    if (serving.isEmpty()) {
      return Optional.empty();
    }
    // Validating and resolving the spec is the same work for every pod until the install changes:
    // do it once per stored version of the install, not on every admission request.
    String version = serving.get().getMetadata().getUid() + "/" + serving.get().getMetadata().getResourceVersion();
    Memo memo = latest.get(revisionLabel);
    if (serving.get().getMetadata().getResourceVersion() != null && memo != null && memo.version().equals(version)) {
      return memo.settings();
    }
    Optional<InjectionSettings> settings = serving
        .filter(mi -> Profiles.validate(mi).isEmpty())
        .map(Profiles::resolve)
        .filter(config -> config.injector().enabled())
        .map(toSettings);
    latest.put(revisionLabel, new Memo(version, settings));
    return settings;
  }

  private record Memo(String version, Optional<InjectionSettings> settings) {}
}
