package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One pod's sidecar, settled: the revision's settings with the pod's annotations applied. Renderers
 * read only this, so that "annotation beats setting" is decided in exactly one place.
 *
 * <p>Traffic lists are normalised to comma-joined strings without blanks; "" means "not set".
 *
 * @param templates the injection templates to apply, in order ({@code inject.istio.io/templates})
 * @param resourcesFromAnnotations whether a sidecar.istio.io/proxy{CPU,Memory}[Limit] annotation set
 *     the resources (the gateway template only sets resources then)
 * @param userVolumes volumes from {@code sidecar.istio.io/userVolume}, added to the pod
 * @param userVolumeMounts mounts from {@code sidecar.istio.io/userVolumeMount}, added to istio-proxy
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
    Map<String, String> proxyMetadata,
    List<String> templates,
    boolean resourcesFromAnnotations,
    String bootstrapOverride,
    List<Volume> userVolumes,
    List<VolumeMount> userVolumeMounts) {

  public SidecarOptions {
    // sorted, so the env order and therefore the patch are the same on every run
    proxyMetadata = Collections.unmodifiableMap(new TreeMap<>(proxyMetadata));
    templates = List.copyOf(templates);
    userVolumes = List.copyOf(userVolumes);
    userVolumeMounts = List.copyOf(userVolumeMounts);
  }

  /** {@code sidecar.istio.io/bootstrapOverride} names a ConfigMap with Envoy's bootstrap. */
  public boolean hasBootstrapOverride() {
    return !bootstrapOverride.isEmpty();
  }

  /** A status port of 0 switches off the agent's status server, and with it probe rewriting. */
  public boolean statusServerEnabled() {
    return statusPort != 0;
  }
}
