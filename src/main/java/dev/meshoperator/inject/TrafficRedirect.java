package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Container;
import java.util.Optional;

/**
 * The one place that chooses how a sidecar pod's traffic reaches Envoy. Today: istio-init runs
 * istio-iptables in the pod, unless the interception mode is NONE. When the node's CNI plugin sets
 * up the redirect instead, this is where the istio-validation container (IstioKeys.VALIDATION_CONTAINER,
 * which only checks the rules) takes istio-init's place; PodLayout already orders both.
 */
final class TrafficRedirect {
  private TrafficRedirect() {}

  static Optional<Container> initContainer(SidecarOptions o) {
    if (o.interceptionMode() == InterceptionMode.NONE) {
      return Optional.empty();
    }
    return Optional.of(IptablesInitContainer.render(o));
  }
}
