package dev.meshoperator.profile;

import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Profile;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.List;
import java.util.Objects;

/**
 * Istio CNI, resolved. Defaults are Istio 1.30.3's (manifests/charts/istio-cni/values.yaml;
 * operator/pkg/component/component.go): off unless enabled, in the control plane namespace
 * ({@code global.istioNamespace}), image {@code <hub>/install-cni:<tag>} with the mesh's hub and
 * version, {@code excludeNamespaces: [kube-system]}, requests 100m/100Mi, host paths
 * /opt/cni/bin and /etc/cni/net.d. When enabled, the injector switches to istio-validation
 * ({@code values.pilot.cni.enabled} follows {@code components.cni.enabled} in istioctl, too).
 *
 * @param image the install-cni image
 * @param agentVersion the tag, which the ConfigMap's CURRENT_AGENT_VERSION repeats
 */
public record CniConfig(
    boolean enabled,
    String namespace,
    String image,
    String agentVersion,
    List<String> excludeNamespaces,
    ResourceRequirements resources,
    String binDir,
    String confDir) {

  public static final String DEFAULT_BIN_DIR = "/opt/cni/bin";
  public static final String DEFAULT_CONF_DIR = "/etc/cni/net.d";
  public static final List<String> DEFAULT_EXCLUDED_NAMESPACES = List.of("kube-system");

  public CniConfig {
    excludeNamespaces = List.copyOf(excludeNamespaces);
    resources = Copies.resources(resources);
  }

  /**
   * Whether a profile turns CNI on. In Istio 1.30.3 only the ambient and openshift profiles do
   * (manifests/profiles/{ambient,openshift}.yaml); default, demo, minimal, remote and empty leave
   * it off, and so do ours.
   */
  static boolean enabledByProfile(Profile profile) {
    return switch (profile) {
      case DEFAULT, DEMO, MINIMAL, REMOTE, EMPTY -> false;
    };
  }

  static ResourceRequirements defaultResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("100Mi"))
        .build();
  }

  static CniConfig resolve(Profile profile, String controlPlaneNamespace, Images images, CniSpec user) {
    CniSpec u = user == null ? new CniSpec() : user;
    String hub = nonEmptyOr(u.getHub(), images.hub());
    String tag = nonEmptyOr(u.getTag(), images.version());
    return new CniConfig(
        u.getEnabled() != null ? u.getEnabled() : enabledByProfile(profile),
        nonEmptyOr(u.getNamespace(), controlPlaneNamespace),
        hub + "/install-cni:" + tag,
        tag,
        u.getExcludeNamespaces() == null ? DEFAULT_EXCLUDED_NAMESPACES
            : u.getExcludeNamespaces().stream().filter(Objects::nonNull).toList(),
        Copies.merge(defaultResources(), u.getResources()),
        nonEmptyOr(u.getCniBinDir(), DEFAULT_BIN_DIR),
        nonEmptyOr(u.getCniConfDir(), DEFAULT_CONF_DIR));
  }

  private static String nonEmptyOr(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }
}
