package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One pod's sidecar, settled: the revision's settings with the pod's annotations applied. Renderers
 * read only this, so that "annotation beats setting" is decided in exactly one place.
 *
 * <p>Traffic lists are normalised to comma-joined strings without blanks; "" means "not set".
 *
 * @param proxyConfig the pod's {@code proxy.istio.io/config} as given (possibly empty), plus a
 *     statusPort when the status-port annotation moved it; pilot-agent reads it as PROXY_CONFIG
 */
public record SidecarOptions(
    InterceptionMode interceptionMode,
    String includeOutboundIPRanges,
    String excludeOutboundIPRanges,
    String includeInboundPorts,
    String excludeInboundPorts,
    String includeOutboundPorts,
    String excludeOutboundPorts,
    String rerouteInterfaces,
    String excludeInterfaces,
    int statusPort,
    int readinessInitialDelaySeconds,
    int readinessPeriodSeconds,
    int readinessFailureThreshold,
    ResourceRequirements resources,
    String proxyImage,
    ProxyLogLevels logLevels,
    boolean nativeSidecar,
    boolean rewriteAppProbes,
    boolean holdApplicationUntilProxyStarts,
    boolean mergeMetrics,
    ObjectNode proxyConfig,
    Map<String, String> proxyMetadata) {

  public SidecarOptions {
    // sorted, so the env order and therefore the patch are the same on every run
    proxyMetadata = Collections.unmodifiableMap(new TreeMap<>(proxyMetadata));
  }

  /** A status port of 0 switches off the agent's status server, and with it probe rewriting. */
  public boolean statusServerEnabled() {
    return statusPort != 0;
  }
}
