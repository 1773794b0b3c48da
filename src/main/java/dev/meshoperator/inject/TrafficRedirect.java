package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place that chooses how a sidecar pod's traffic reaches Envoy. Without Istio CNI,
 * istio-init runs istio-iptables in the pod (root, NET_ADMIN and NET_RAW), unless the interception
 * mode is NONE. With Istio CNI ({@link InjectionSettings#cni()}), the node's istio-cni plugin sets
 * the redirect up while the pod's sandbox is created, reading it from the pod's annotations
 * ({@link #cniAnnotations}); istio-validation only checks it, without privileges (PodLayout orders both).
 */
final class TrafficRedirect {
  private TrafficRedirect() {}

  static Optional<Container> initContainer(SidecarOptions o, boolean cni) {
    if (o.interceptionMode() == InterceptionMode.NONE) {
      return Optional.empty();
    }
    return Optional.of(cni ? IptablesInitContainer.validation(o) : IptablesInitContainer.render(o));
  }

  /**
   * What the istio-cni plugin reads (cni/pkg/plugin/sidecar_redirect.go), written as Istio's
   * injection template writes them with pilot.cni.enabled: the interception mode, the traffic
   * lists with their settled values (the empty ones only where Istio writes them empty), and the
   * status port added to the excluded inbound ports. The interface annotations the plugin also
   * reads are the pod's own and stay as they are.
   */
  static Map<String, String> cniAnnotations(SidecarOptions o, boolean cni) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!cni) {
      return out;
    }
    out.put(INTERCEPTION_MODE, o.interceptionMode().name());
    putIfSet(out, INCLUDE_OUTBOUND_IP_RANGES, o.includeOutboundIPRanges());
    putIfSet(out, EXCLUDE_OUTBOUND_IP_RANGES, o.excludeOutboundIPRanges());
    out.put(INCLUDE_INBOUND_PORTS, o.includeInboundPorts());
    out.put(EXCLUDE_INBOUND_PORTS, excludeInboundWithStatusPort(o));
    putIfSet(out, INCLUDE_OUTBOUND_PORTS, o.includeOutboundPorts());
    putIfSet(out, EXCLUDE_OUTBOUND_PORTS, o.excludeOutboundPorts());
    return out;
  }

  /** Istio's excludeInboundPort: the pod's excluded ports plus the status port, unless 0 or listed. */
  static String excludeInboundWithStatusPort(SidecarOptions o) {
    List<String> ports = new ArrayList<>();
    if (!o.excludeInboundPorts().isEmpty()) {
      ports.addAll(List.of(o.excludeInboundPorts().split(",")));
    }
    String status = String.valueOf(o.statusPort());
    if (o.statusServerEnabled() && !ports.contains(status)) {
      ports.add(status);
    }
    return String.join(",", ports);
  }

  private static void putIfSet(Map<String, String> out, String key, String value) {
    if (!value.isEmpty()) {
      out.put(key, value);
    }
  }
}
