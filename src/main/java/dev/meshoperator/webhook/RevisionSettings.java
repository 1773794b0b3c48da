package dev.meshoperator.webhook;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Problem;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.profile.Upgrades;
import dev.meshoperator.render.LastValidSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Which injection settings serve a revision: those of the MeshInstall of that revision. When two
 * claim the same revision the older wins, as in the reconciler's conflict rule; one being deleted
 * serves only when no other claims the revision (its webhook configuration is removed first).
 *
 * <p>The webhook asks through {@link #resolve}, which never answers "nothing" for a revision whose
 * webhook configuration sent a pod: an install whose spec does not validate serves the spec it had
 * when it last validated ({@link LastValidSpec}, with a warning naming the problem), and anything
 * that cannot be resolved (no install, no last valid spec, an API error) is {@link Unavailable}, so
 * the API server applies the webhook's failurePolicy instead of a pod running without its sidecar.
 * Only the user's own choice (spec.sidecarInjector.enabled false) is {@link Disabled}.
 */
public final class RevisionSettings implements Function<String, Optional<InjectionSettings>> {

  /** What serves a revision. */
  public sealed interface Resolution permits Serve, Disabled, Unavailable {}

  /** Inject with {@code settings}; {@code warnings} go back to the client that created the pod. */
  public record Serve(InjectionSettings settings, List<String> warnings) implements Resolution {
    public Serve {
      warnings = List.copyOf(warnings);
    }
  }

  /** The user turned this revision's injector off; the pod is let through, with {@code message}. */
  public record Disabled(String message) implements Resolution {}

  /** Nothing can be decided now; the webhook fails the call so that failurePolicy applies. */
  public record Unavailable(String message) implements Resolution {}

  /** Reads the last valid spec's ConfigMap (namespace, name); empty when there is none. May throw on API errors. */
  @FunctionalInterface
  public interface LastValidLookup extends BiFunction<String, String, Optional<ConfigMap>> {
    LastValidLookup NONE = (namespace, name) -> Optional.empty();
  }

  /** Kubernetes truncates longer admission warnings. */
  static final int MAX_WARNING = 250;

  private final Supplier<Collection<MeshInstall>> installs;
  private final Supplier<Collection<MeshInstall>> freshInstalls;
  private final LastValidLookup lastValid;
  private final Function<EffectiveConfig, InjectionSettings> toSettings;
  private final Map<String, Memo> latest = new ConcurrentHashMap<>();

  /** Without a last valid spec or a second look: what the CLI uses on a list of installs. */
  public RevisionSettings(Supplier<Collection<MeshInstall>> installs,
      Function<EffectiveConfig, InjectionSettings> toSettings) {
    this(installs, installs, LastValidLookup.NONE, toSettings);
  }

  /**
   * @param installs the cached MeshInstalls (the webhook's informer)
   * @param freshInstalls asked when the cache knows no install of a revision (a MeshInstall created
   *     a moment ago may reach another replica's cache after its webhook configuration was applied)
   * @param lastValid reads a {@link LastValidSpec} ConfigMap
   */
  public RevisionSettings(Supplier<Collection<MeshInstall>> installs,
      Supplier<Collection<MeshInstall>> freshInstalls, LastValidLookup lastValid,
      Function<EffectiveConfig, InjectionSettings> toSettings) {
    this.installs = installs;
    this.freshInstalls = freshInstalls;
    this.lastValid = lastValid;
    this.toSettings = toSettings;
  }

  /**
   * The settings of the revision's install when its spec is valid and its injector on, else empty.
   * {@code revisionLabel} is "default" or the revision name, as in the webhook path.
   */
  @Override
  public Optional<InjectionSettings> apply(String revisionLabel) {
    return serving(installs.get(), revisionLabel).flatMap(mi -> {
      Resolution r = resolve(mi, revisionLabel, LastValidLookup.NONE);
      return r instanceof Serve s ? Optional.of(s.settings()) : Optional.<InjectionSettings>empty();
    });
  }

  /** What the webhook serves for the revision; never throws. */
  public Resolution resolve(String revisionLabel) {
    Optional<MeshInstall> serving;
    try {
      serving = serving(installs.get(), revisionLabel);
      if (serving.isEmpty()) {
        serving = serving(freshInstalls.get(), revisionLabel);
      }
    } catch (RuntimeException e) {
      return new Unavailable("cannot read the MeshInstalls of revision " + revisionLabel + ": " + e.getMessage());
    }
    if (serving.isEmpty()) {
      return new Unavailable("no MeshInstall has revision " + revisionLabel + ", yet its webhook configuration "
          + "sent this pod; create a MeshInstall of that revision, or delete the webhook configuration "
          + InjectorWebhookRenderer.configurationName(Revision.of(
              revisionLabel.equals(AdmissionServer.DEFAULT_REVISION) ? null : revisionLabel))
          + " left behind by an uninstall");
    }
    return resolve(serving.get(), revisionLabel, lastValid);
  }

  private Resolution resolve(MeshInstall mi, String revisionLabel, LastValidLookup lookup) {
    // Validating and resolving the spec is the same work for every pod until the install changes:
    // do it once per stored version of the install, not on every admission request.
    String version = mi.getMetadata().getUid() + "/" + mi.getMetadata().getResourceVersion()
        + (lookup == lastValid ? "" : "/no-last-valid");
    String key = revisionLabel + (lookup == lastValid ? "" : "/cli");
    Memo memo = latest.get(key);
    if (mi.getMetadata().getResourceVersion() != null && memo != null && memo.version().equals(version)) {
      return memo.resolution();
    }
    Resolution resolution = compute(mi, revisionLabel, lookup);
    // A failed lookup may succeed on the next request; only settled answers are kept.
    if (!(resolution instanceof Unavailable)) {
      latest.put(key, new Memo(version, resolution));
    }
    return resolution;
  }

  private Resolution compute(MeshInstall mi, String revisionLabel, LastValidLookup lookup) {
    String name = mi.getMetadata().getName();
    List<Problem> problems = Profiles.validate(mi);
    if (problems.isEmpty()) {
      Optional<EffectiveConfig> serving = Upgrades.serving(mi, revisionLabel);
      if (serving.isEmpty()) {
        return new Unavailable("MeshInstall " + name + " no longer runs revision " + revisionLabel);
      }
      EffectiveConfig config = serving.get();
      if (!config.injector().enabled()) {
        return new Disabled("MeshInstall " + name + " has spec.sidecarInjector.enabled: false; pod not injected");
      }
      List<String> warnings = mi.getMetadata().getDeletionTimestamp() == null ? List.of()
          : List.of(clip("MeshInstall " + name + " is being deleted; injected with its settings until its "
              + "webhook configuration is removed"));
      return new Serve(toSettings.apply(config), warnings);
    }
    String problem = problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
    String namespace = mi.getSpec() == null || mi.getSpec().getNamespace() == null || mi.getSpec().getNamespace().isEmpty()
        ? MeshInstallSpec.DEFAULT_NAMESPACE : mi.getSpec().getNamespace();
    // Named by spec.revision (immutable), not by the active revision, which moves with the version.
    String configMap = LastValidSpec.name(Revision.of(mi.getSpec() == null ? null : mi.getSpec().getRevision()));
    Optional<ConfigMap> snapshot;
    try {
      snapshot = lookup.apply(namespace, configMap).filter(cm -> ownedBy(cm, mi));
    } catch (RuntimeException e) {
      return new Unavailable("MeshInstall " + name + " is invalid (" + problem + ") and its last valid settings "
          + "(ConfigMap " + namespace + "/" + configMap + ") cannot be read: " + e.getMessage());
    }
    if (snapshot.isEmpty()) {
      return new Unavailable("MeshInstall " + name + " is invalid (" + problem + ") and has no last valid settings "
          + "(ConfigMap " + namespace + "/" + configMap + "); fix the spec so pods get their sidecar");
    }
    try {
      MeshInstall previous = new MeshInstall();
      previous.setMetadata(mi.getMetadata());
      previous.setSpec(LastValidSpec.read(snapshot.get()));
      previous.setStatus(mi.getStatus());
      // Recorded by an operator whose checks were laxer (an upgrade that added one): the spec served
      // until now, and serves on, with a warning. Refusing it would stop every pod of the revision,
      // also those it injected well, until someone fixes a spec that did not change.
      List<Problem> nowInvalid = Profiles.validate(previous);
      EffectiveConfig config = Upgrades.serving(previous, revisionLabel).orElseThrow(() ->
          new IllegalArgumentException("its last valid spec does not run revision " + revisionLabel));
      if (!config.injector().enabled()) {
        return new Disabled("MeshInstall " + name + " is invalid (" + problem
            + ") and its last valid spec turned the sidecar injector off; pod not injected");
      }
      String generation = LastValidSpec.generation(snapshot.get()).map(g -> " (generation " + g + ")").orElse("");
      List<String> warnings = new java.util.ArrayList<>(List.of(clip("MeshInstall " + name + " is invalid: " + problem,
          "; injected with its last valid settings" + generation)));
      if (!nowInvalid.isEmpty()) {
        warnings.add(clip("those last valid settings" + generation + " break a newer check too: "
            + nowInvalid.stream().map(Problem::toString).collect(Collectors.joining("; "))));
      }
      return new Serve(toSettings.apply(config), warnings);
    } catch (RuntimeException e) {
      return new Unavailable("MeshInstall " + name + " is invalid (" + problem + ") and its last valid settings "
          + "(ConfigMap " + namespace + "/" + configMap + ") cannot be used: " + e.getMessage());
    }
  }

  /** A ConfigMap left by an earlier install of the same name must not serve a new one. */
  private static boolean ownedBy(ConfigMap cm, MeshInstall mi) {
    List<OwnerReference> owners = cm.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(o -> o.getUid() != null && o.getUid().equals(mi.getMetadata().getUid()));
  }

  /** Live installs before ones being deleted, then the oldest, then by name. */
  private static Optional<MeshInstall> serving(Collection<MeshInstall> all, String revisionLabel) {
    return all.stream()
        .filter(mi -> claims(mi).contains(revisionLabel))
        .min(Comparator.comparing((MeshInstall mi) -> mi.getMetadata().getDeletionTimestamp() != null)
            .thenComparing(mi -> mi.getMetadata().getCreationTimestamp(),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(mi -> mi.getMetadata().getName()));
  }

  /** The revisions and tags an install answers to; a spec that cannot even be resolved claims its own revision. */
  private static java.util.Set<String> claims(MeshInstall mi) {
    try {
      return Upgrades.claims(mi);
    } catch (RuntimeException e) {
      return java.util.Set.of(Revision.of(mi.getSpec() == null ? null : mi.getSpec().getRevision()).label());
    }
  }

  static String clip(String text) {
    return clip(text, "");
  }

  /** {@code head} shortened so that {@code head + tail} fits in a warning. */
  static String clip(String head, String tail) {
    int room = MAX_WARNING - tail.length();
    String cut = head.length() <= room ? head : head.substring(0, Math.max(0, room - 3)) + "...";
    return cut + tail;
  }

  private record Memo(String version, Resolution resolution) {}
}
