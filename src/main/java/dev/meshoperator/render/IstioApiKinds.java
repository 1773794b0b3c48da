package dev.meshoperator.render;

import java.util.List;

/** Istio's API kinds (ISTIO-FACTS section 1): all namespaced; the first version listed is stored. */
final class IstioApiKinds {
  record Kind(String group, String kind, String plural, List<String> versions) {
    String crdName() {
      return plural + "." + group;
    }

    String storageVersion() {
      return versions.get(0);
    }
  }

  private static final String NETWORKING = "networking.istio.io";
  private static final String SECURITY = "security.istio.io";
  private static final List<String> NETWORKING_VERSIONS = List.of("v1", "v1alpha3", "v1beta1");
  private static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");

  static final List<Kind> ALL = List.of(
      new Kind(NETWORKING, "VirtualService", "virtualservices", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "DestinationRule", "destinationrules", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "Gateway", "gateways", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "ServiceEntry", "serviceentries", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "Sidecar", "sidecars", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "WorkloadEntry", "workloadentries", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "WorkloadGroup", "workloadgroups", NETWORKING_VERSIONS),
      new Kind(NETWORKING, "EnvoyFilter", "envoyfilters", List.of("v1alpha3")),
      new Kind(NETWORKING, "ProxyConfig", "proxyconfigs", List.of("v1beta1")),
      new Kind(SECURITY, "AuthorizationPolicy", "authorizationpolicies", SECURITY_VERSIONS),
      new Kind(SECURITY, "PeerAuthentication", "peerauthentications", SECURITY_VERSIONS),
      new Kind(SECURITY, "RequestAuthentication", "requestauthentications", SECURITY_VERSIONS),
      // Telemetry stores v1alpha1 although istiod watches v1.
      new Kind("telemetry.istio.io", "Telemetry", "telemetries", List.of("v1alpha1", "v1")),
      new Kind("extensions.istio.io", "WasmPlugin", "wasmplugins", List.of("v1alpha1")),
      new Kind("extensions.istio.io", "TrafficExtension", "trafficextensions", List.of("v1alpha1")));

  /**
   * Read access to every kind above, named one by one. Istio's chart grants {@code "*"} in its
   * groups instead, but the operator may create a role only with rules it holds itself, and only a
   * {@code "*"} covers a {@code "*"}: naming the kinds keeps wildcards out of the operator's RBAC. Istio's
   * legacy groups in that chart rule (config, authentication, rbac.istio.io) have no kind among
   * the CRDs installed here, so they are left out.
   */
  static List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> readRules() {
    return ALL.stream().map(Kind::group).distinct()
        .map(group -> Rbac.rule(group, ALL.stream().filter(k -> k.group().equals(group)).map(Kind::plural).toList(), Rbac.READ))
        .toList();
  }

  private IstioApiKinds() {}
}
