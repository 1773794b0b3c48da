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

  /** Every API group istiod reads config from. */
  static final List<String> GROUPS = List.of(
      "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io",
      "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io");

  private IstioApiKinds() {}
}
