package dev.meshoperator.profile;

import dev.meshoperator.api.Profile;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A MeshInstall with its profile applied: every value the renderer and the injector need, none
 * left to interpretation. {@code pilot} is meaningful only when {@code istiodMode} is LOCAL;
 * {@code gateways} lists only enabled gateways, ingress before egress, profile ones first.
 */
public record EffectiveConfig(
    String installName,
    Profile profile,
    Revision revision,
    String namespace,
    Images images,
    boolean baseEnabled,
    IstiodMode istiodMode,
    WorkloadConfig pilot,
    List<GatewayConfig> gateways,
    MeshSettings mesh,
    InjectorConfig injector,
    Optional<String> remoteAddress,
    AddonsConfig addons,
    ClusterIdentity cluster,
    CniConfig cni,
    RevisionRole role) {

  public static final int XDS_PORT = 15012;
  private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

  public EffectiveConfig {
    gateways = List.copyOf(gateways);
  }

  /** ISTIO_META_MESH_ID of gateways and proxies: spec.meshId, else the trust domain. */
  public String meshId() {
    return cluster.meshIdOr(mesh.trustDomain());
  }

  /**
   * An older revision of the same install, still rendered while pods use it: its own istiod and
   * injector at its own version, nothing that is the install's once (gateways, addons).
   */
  public EffectiveConfig inactive(String revisionName, String version) {
    return new EffectiveConfig(installName, profile, Revision.of(revisionName), namespace, new Images(images.hub(), version),
        baseEnabled, istiodMode, pilot, List.of(), mesh, injector, remoteAddress, AddonsConfig.NONE, cluster, cni, role.inactive());
  }

  /** Name of the Service proxies reach istiod through (LOCAL, or REMOTE by IP address). */
  public String istiodServiceName() {
    return revision.qualify("istiod");
  }

  /**
   * Where proxies fetch config and certificates (CA_ADDR, discoveryAddress). A remote istiod given
   * by IP is reached through a local selector-less Service, because istiod's certificate names
   * Services, not IPs; a remote host name is used as is (it must be one of istiod's cert SANs).
   */
  public String discoveryAddress() {
    if (istiodMode == IstiodMode.REMOTE && remoteAddress.isPresent() && !remoteAddressIsIp()) {
      return remoteAddress.get() + ":" + XDS_PORT;
    }
    return istiodServiceName() + "." + namespace + ".svc:" + XDS_PORT;
  }

  /** True when the remote address is an IPv4 or IPv6 literal (decided textually: no DNS lookups). */
  public boolean remoteAddressIsIp() {
    return remoteAddress.map(a -> IPV4.matcher(a).matches() || a.contains(":")).orElse(false);
  }
}
