package dev.meshoperator.render;

import java.util.List;

/**
 * Istio's API groups (ISTIO-FACTS section 1). The kinds themselves, with their versions and
 * schemas, come from Istio's published CRDs ({@link IstioCrds}).
 */
final class IstioApiKinds {
  /** Every API group istiod reads config from. */
  static final List<String> GROUPS = List.of(
      "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io",
      "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io");

  private IstioApiKinds() {}
}
