package dev.meshoperator.profile;

import dev.meshoperator.api.MeshInstallSpec;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Istio releases this operator installs, and everything that differs between them, in one
 * place. A release is supported by its minor: any patch of a listed minor runs (patches change no
 * names, flags or RBAC), and its API CRDs come from the newest {@code istio.io/api} module of that
 * minor, bundled at build time (hack/istio-crds.sh, pom property {@code istio.api.versions}); the
 * cluster gets those of the newest minor ({@link #crdSource()}).
 */
public final class IstioVersions {
  /**
   * One supported minor.
   *
   * @param minor          "1.30"
   * @param newestPatch    the newest release of that minor we know of; the default for the newest minor
   * @param apiModule      the istio.io/api module version whose kubernetes/customresourcedefinitions.gen.yaml is installed
   */
  public record Minor(String minor, String newestPatch, String apiModule) {
    /** Classpath location of the bundled CRDs of this minor. */
    public String crdResource() {
      return "/meshctl/istio-crds/istio.io-api-" + apiModule + ".yaml";
    }
  }

  // Istio 1.30.3's charts (manifests/charts/base/files/crd-all.gen.yaml) are byte-identical to
  // istio.io/api v1.30.8's customresourcedefinitions.gen.yaml. For 1.31 and 1.32 the newest
  // istio.io/api module versions are the evidence of the releases (`go list -m -versions
  // istio.io/api`: v1.30.8, v1.31.0..v1.31.4, v1.32.0); no chart difference (images, env, RBAC) is
  // known for them, so they render as 1.30 does. The last entry is the newest minor; its newest
  // patch is the default spec.version ({@link #defaultVersion()}).
  private static final List<Minor> SUPPORTED = List.of(
      new Minor("1.30", "1.30.3", "v1.30.8"),
      new Minor("1.31", "1.31.4", "v1.31.4"),
      new Minor("1.32", "1.32.0", "v1.32.0"));

  /** Release tags: 1.30.3, or a variant tag of it such as 1.30.3-distroless. */
  private static final Pattern RELEASE = Pattern.compile("^(\\d+\\.\\d+)\\.\\d+(-[A-Za-z0-9.]+)?$");

  private IstioVersions() {}

  public static List<Minor> supported() {
    return SUPPORTED;
  }

  /**
   * The default spec.version: the newest patch of the newest supported minor (issue 10: "default
   * to the newest patch of the newest minor"). 1.30.3 is the release whose charts were compared
   * with ours object by object (istio/istio tag 1.30.3); 1.31 and 1.32 are known from the
   * istio.io/api module versions above, with no known chart difference. The CRD schema's default
   * (MeshInstallSpec.DEFAULT_VERSION, a compile-time constant in the api package below this one)
   * must equal this; IstioCrdsTest holds them together.
   */
  public static String defaultVersion() {
    return newest().newestPatch();
  }

  /** The newest supported minor: the last entry. */
  public static Minor newest() {
    return SUPPORTED.get(SUPPORTED.size() - 1);
  }

  /**
   * Whose CRDs every install applies: the newest supported minor's. The CRDs are cluster-wide and
   * shared by all revisions, so one source keeps two revisions of different minors from rewriting
   * them back and forth; newer CRDs with an older istiod is the order Istio's upgrades use (CRDs
   * first, from the newer release).
   */
  public static Minor crdSource() {
    return newest();
  }

  private static final Pattern FORMAT = Pattern.compile(MeshInstallSpec.VERSION_FORMAT);

  /** Whether the text has the shape of a release tag at all (the CRD's rule on spec.version, the same regex). */
  public static boolean isRelease(String version) {
    return version != null && FORMAT.matcher(version).matches();
  }

  public static Optional<Minor> of(String version) {
    if (version == null) {
      return Optional.empty();
    }
    Matcher m = RELEASE.matcher(version);
    if (!m.matches()) {
      return Optional.empty();
    }
    return SUPPORTED.stream().filter(s -> s.minor().equals(m.group(1))).findFirst();
  }

  /** For messages: "1.30.x" per supported minor. */
  public static String describeSupported() {
    return String.join(", ", SUPPORTED.stream().map(s -> s.minor() + ".x").toList());
  }
}
