package dev.meshoperator.profile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.api.UpdateStrategySpec;
import dev.meshoperator.api.UpdateStrategyType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a change of spec.version means for an install, pure: the revision each version runs as,
 * which labels (revisions and tags) the install answers to, which older revisions it still runs
 * (as its status lists them), and whether a version change is one Istio supports.
 *
 * <p>Names: under RevisionBased a version runs as the revision {@code <base>-<version>} with every
 * character outside [a-z0-9] turned into a dash, where base is spec.revision or, when that is unset,
 * the MeshInstall's name: MeshInstall {@code demo} at 1.31.4 runs revision {@code demo-1-31-4}
 * (Istio's own docs name revisions {@code 1-31-4}; the base keeps two installs apart). The install's
 * own revision label (spec.revision, or {@code default}) becomes a tag of the active revision, so
 * {@code istio-injection=enabled} and {@code istio.io/rev=<spec.revision>} keep following it.
 */
public final class Upgrades {
  /**
   * Istio's upgrade policy: in-place upgrades and downgrades are supported one minor release at a
   * time (istio.io, "In-place upgrades" and "Canary upgrades": upgrading across more than one minor
   * version in one step is not supported); proxies are supported one minor behind their control
   * plane. Both strategies keep to it: a RevisionBased jump of two minors would run proxies of the
   * old minor against CRDs and gateways two minors newer.
   */
  public static final int MAX_MINOR_STEP = 1;

  private static final String REFUSED = "refused to ";
  private static final Pattern MINOR = Pattern.compile("^(\\d+)\\.(\\d+)\\..*$");

  private Upgrades() {}

  public static UpdateStrategyType strategy(MeshInstallSpec spec) {
    UpdateStrategySpec s = spec == null ? null : spec.getUpdateStrategy();
    return s == null || s.getType() == null ? UpdateStrategyType.InPlace : s.getType();
  }

  public static long graceSeconds(MeshInstallSpec spec) {
    UpdateStrategySpec s = spec == null ? null : spec.getUpdateStrategy();
    return s == null || s.getInactiveRevisionDeletionGracePeriodSeconds() == null
        ? UpdateStrategySpec.DEFAULT_GRACE_SECONDS : Math.max(0, s.getInactiveRevisionDeletionGracePeriodSeconds());
  }

  public static boolean updateWorkloads(MeshInstallSpec spec) {
    UpdateStrategySpec s = spec == null ? null : spec.getUpdateStrategy();
    return s != null && Boolean.TRUE.equals(s.getUpdateWorkloads());
  }

  /** The revision {@code version} runs as under RevisionBased. */
  public static String revisionName(String installName, MeshInstallSpec spec, String version) {
    String base = spec != null && spec.getRevision() != null && !spec.getRevision().isEmpty() ? spec.getRevision() : installName;
    return base + "-" + version.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("-+$", "");
  }

  /** The revision the spec's version runs as. */
  static Revision activeRevision(String installName, MeshInstallSpec spec, String version) {
    return strategy(spec) == UpdateStrategyType.RevisionBased
        ? Revision.of(revisionName(installName, spec, version))
        : Revision.of(spec == null ? null : spec.getRevision());
  }

  /** How the active revision is reached: its tags (spec.revisionTags, and under RevisionBased the install's own revision label). */
  static RevisionRole role(MeshInstallSpec spec) {
    Revision own = Revision.of(spec == null ? null : spec.getRevision());
    Set<String> tags = new LinkedHashSet<>();
    if (strategy(spec) == UpdateStrategyType.RevisionBased) {
      tags.add(own.label());
    }
    if (spec != null && spec.getRevisionTags() != null) {
      spec.getRevisionTags().stream().filter(t -> t != null && !t.isEmpty()).forEach(tags::add);
    }
    return new RevisionRole(strategy(spec), own, true, List.copyOf(tags));
  }

  /**
   * The version change from the last applied version to spec.version, when Istio does not support
   * it in one step; empty for a first install or an install applied before the operator recorded it.
   */
  public static Optional<Problem> skew(MeshInstall install) {
    MeshInstallStatus status = install.getStatus();
    MeshInstallSpec spec = install.getSpec();
    if (status == null || status.getAppliedVersion() == null || spec == null || spec.getVersion() == null) {
      return Optional.empty();
    }
    String from = status.getAppliedVersion();
    String to = spec.getVersion();
    Optional<int[]> a = minorOf(from);
    Optional<int[]> b = minorOf(to);
    if (a.isEmpty() || b.isEmpty()) {
      return Optional.empty();
    }
    int step = a.get()[0] != b.get()[0] ? Integer.MAX_VALUE : Math.abs(b.get()[1] - a.get()[1]);
    if (step <= MAX_MINOR_STEP) {
      return Optional.empty();
    }
    String direction = compare(b.get(), a.get()) > 0 ? "upgrade" : "downgrade";
    String via = a.get()[0] == b.get()[0] ? intermediate(a.get(), b.get()) : "";
    return Optional.of(new Problem("spec.version", REFUSED + direction + " from " + from + " to " + to + " ("
        + strategy(spec) + "): Istio supports a version change of at most one minor release at a time, so the control "
        + "plane stays at " + from + via + "; set spec.version back to " + from + " or to a release one minor away"));
  }

  /** Whether {@code problem} is a refused version change ({@link #skew}) rather than a spec error. */
  public static boolean isRefusal(Problem problem) {
    return "spec.version".equals(problem.field()) && problem.reason().startsWith(REFUSED);
  }

  private static String intermediate(int[] from, int[] to) {
    List<String> steps = new ArrayList<>();
    int dir = to[1] > from[1] ? 1 : -1;
    for (int m = from[1] + dir; m != to[1]; m += dir) {
      steps.add(from[0] + "." + m + ".x");
    }
    return steps.isEmpty() ? "" : " (go through " + String.join(", ", steps) + " first)";
  }

  private static int compare(int[] x, int[] y) {
    return x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]);
  }

  static Optional<int[]> minorOf(String version) {
    Matcher m = version == null ? null : MINOR.matcher(version);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
  }

  /** Older revisions the install still runs, as its status lists them: every one but {@code active}. */
  public static List<RevisionStatus> retained(MeshInstall install, Revision active) {
    MeshInstallStatus status = install.getStatus();
    if (status == null || status.getRevisions() == null) {
      return List.of();
    }
    return status.getRevisions().stream()
        .filter(r -> r.getName() != null && r.getVersion() != null && !r.getName().equals(active.label()))
        .toList();
  }

  /** The active revision's config first, then one per retained revision. */
  public static List<EffectiveConfig> configs(MeshInstall install, List<RevisionStatus> retained) {
    EffectiveConfig active = Profiles.resolve(install);
    List<EffectiveConfig> all = new ArrayList<>();
    all.add(active);
    for (RevisionStatus r : retained) {
      all.add(active.inactive(r.getName().equals(Revision.DEFAULT.label()) ? "" : r.getName(), r.getVersion()));
    }
    return all;
  }

  /** Every istio.io/rev value this install's injectors answer to. */
  public static Set<String> claims(MeshInstall install) {
    EffectiveConfig active = Profiles.resolve(install);
    Set<String> claims = new LinkedHashSet<>();
    claims.add(active.revision().label());
    claims.addAll(active.role().tags());
    retained(install, active.revision()).forEach(r -> claims.add(r.getName()));
    return claims;
  }

  /**
   * The config that serves pods asking for {@code label}: the active revision for its own name and
   * its tags, a retained revision for its name; empty when the install does not answer to it.
   */
  public static Optional<EffectiveConfig> serving(MeshInstall install, String label) {
    EffectiveConfig active = Profiles.resolve(install);
    if (active.revision().label().equals(label) || active.role().tags().contains(label)) {
      return Optional.of(active);
    }
    return retained(install, active.revision()).stream().filter(r -> r.getName().equals(label)).findFirst()
        .map(r -> active.inactive(label.equals(Revision.DEFAULT.label()) ? "" : label, r.getVersion()));
  }
}
