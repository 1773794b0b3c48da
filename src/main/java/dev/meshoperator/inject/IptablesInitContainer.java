package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * istio-init: runs istio-iptables once, as root with only NET_ADMIN and NET_RAW, so that the pod's
 * traffic flows through Envoy. The proxy's own uid (-u) is exempt, or Envoy would capture itself.
 * With Istio CNI, istio-validation: the same arguments plus {@code --run-validation
 * --skip-rule-apply}, so it only checks that the node's plugin set the redirect up, as the proxy's
 * uid with no capability at all (Pod Security baseline and restricted admit it).
 */
final class IptablesInitContainer {
  private IptablesInitContainer() {}

  static Container render(SidecarOptions o) {
    // setters, not ContainerBuilder (the builder's copies were a tenth of an injection's CPU)
    return container(INIT_CONTAINER, o, args(o), TemplateParts.securityContext(false, false, false, 0L, false, 0L,
        List.of("NET_ADMIN", "NET_RAW"), List.of("ALL")));
  }

  /** Istio's injection template with pilot.cni.enabled: uid/gid 1337 in every interception mode. */
  static Container validation(SidecarOptions o) {
    List<String> args = args(o);
    args.add("--run-validation");
    args.add("--skip-rule-apply");
    return container(VALIDATION_CONTAINER, o, args, TemplateParts.securityContext(false, false, true, PROXY_GID,
        true, PROXY_UID, List.of(), List.of("ALL")));
  }

  private static Container container(String name, SidecarOptions o, List<String> args, SecurityContext sc) {
    Container c = new Container();
    c.setName(name);
    c.setImage(o.proxyImage());
    c.setArgs(args);
    c.setResources(ProxyContainer.own(o.resources()));
    if (!o.proxyMetadata().isEmpty()) {
      // As Istio's template: istio-iptables reads some of them (ISTIO_META_DNS_CAPTURE adds the DNS redirect).
      List<EnvVar> env = new ArrayList<>();
      o.proxyMetadata().forEach((k, v) -> env.add(ProxyContainer.value(k, v)));
      c.setEnv(env);
    }
    c.setSecurityContext(sc);
    return c;
  }

  private static List<String> args(SidecarOptions o) {
    List<String> args = new ArrayList<>(List.of(
        "istio-iptables",
        "-p", String.valueOf(OUTBOUND_CAPTURE_PORT),
        "-z", String.valueOf(INBOUND_CAPTURE_PORT),
        "-u", String.valueOf(PROXY_UID),
        "-m", o.interceptionMode().name(),
        "-i", o.includeOutboundIPRanges(),
        "-x", o.excludeOutboundIPRanges(),
        "-b", o.includeInboundPorts(),
        "-d", excludedInboundPorts(o)));
    optional(args, "-q", o.includeOutboundPorts());
    optional(args, "-o", o.excludeOutboundPorts());
    optional(args, "-k", o.rerouteInterfaces());
    optional(args, "-c", o.excludeInterfaces());
    args.add("--log_output_level=" + o.logLevels().agent());
    return args;
  }

  /**
   * Envoy's own inbound ports are never captured, whatever the pod says: capturing the metrics or
   * health port would loop the kubelet's probe and Prometheus's scrape back into Envoy.
   */
  static String excludedInboundPorts(SidecarOptions o) {
    Set<String> ports = new LinkedHashSet<>();
    ports.add(String.valueOf(ENVOY_PROMETHEUS_PORT));
    ports.add(String.valueOf(ENVOY_HEALTH_PORT));
    if (!o.excludeInboundPorts().isEmpty()) {
      ports.addAll(List.of(o.excludeInboundPorts().split(",")));
    }
    if (o.statusServerEnabled()) {
      ports.add(String.valueOf(o.statusPort()));
    }
    return String.join(",", ports);
  }

  private static void optional(List<String> args, String flag, String value) {
    if (!value.isEmpty()) {
      args.add(flag);
      args.add(value);
    }
  }
}
