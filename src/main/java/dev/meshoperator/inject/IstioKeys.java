package dev.meshoperator.inject;

/**
 * Label and annotation names, ports and paths that pods, users and pilot-agent already know from
 * Istio. They are a compatibility contract, so they live in one place and are spelled exactly once.
 */
public final class IstioKeys {
  private IstioKeys() {}

  // namespace and pod selection
  public static final String INJECTION_LABEL = "istio-injection";
  public static final String REV_LABEL = "istio.io/rev";
  public static final String INJECT = "sidecar.istio.io/inject";

  // what the injector writes
  public static final String STATUS = "sidecar.istio.io/status";
  public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
  public static final String CANONICAL_NAME_LABEL = "service.istio.io/canonical-name";
  public static final String CANONICAL_REVISION_LABEL = "service.istio.io/canonical-revision";
  /** The pod's network; read from the pod (it wins) and written by the injector when a network is known. */
  public static final String TOPOLOGY_NETWORK = "topology.istio.io/network";
  public static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";
  public static final String DEFAULT_LOGS_CONTAINER = "kubectl.kubernetes.io/default-logs-container";
  public static final String PROMETHEUS_SCRAPE = "prometheus.io/scrape";
  public static final String PROMETHEUS_PORT = "prometheus.io/port";
  public static final String PROMETHEUS_PATH = "prometheus.io/path";

  // per-pod knobs users set
  public static final String INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";
  public static final String PROXY_IMAGE = "sidecar.istio.io/proxyImage";
  public static final String PROXY_CPU = "sidecar.istio.io/proxyCPU";
  public static final String PROXY_MEMORY = "sidecar.istio.io/proxyMemory";
  public static final String PROXY_CPU_LIMIT = "sidecar.istio.io/proxyCPULimit";
  public static final String PROXY_MEMORY_LIMIT = "sidecar.istio.io/proxyMemoryLimit";
  public static final String LOG_LEVEL = "sidecar.istio.io/logLevel";
  public static final String COMPONENT_LOG_LEVEL = "sidecar.istio.io/componentLogLevel";
  public static final String AGENT_LOG_LEVEL = "sidecar.istio.io/agentLogLevel";
  public static final String NATIVE_SIDECAR = "sidecar.istio.io/nativeSidecar";
  public static final String REWRITE_PROBES = "sidecar.istio.io/rewriteAppHTTPProbers";
  public static final String PROXY_CONFIG = "proxy.istio.io/config";
  public static final String MERGE_METRICS = "prometheus.istio.io/merge-metrics";
  public static final String STATUS_PORT = "status.sidecar.istio.io/port";
  public static final String READINESS_INITIAL_DELAY = "readiness.status.sidecar.istio.io/initialDelaySeconds";
  public static final String READINESS_PERIOD = "readiness.status.sidecar.istio.io/periodSeconds";
  public static final String READINESS_FAILURE_THRESHOLD = "readiness.status.sidecar.istio.io/failureThreshold";
  public static final String INCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges";
  public static final String EXCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
  public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
  public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
  public static final String INCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/includeOutboundPorts";
  public static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
  public static final String KUBEVIRT_INTERFACES = "traffic.sidecar.istio.io/kubevirtInterfaces";
  public static final String REROUTE_VIRTUAL_INTERFACES = "istio.io/reroute-virtual-interfaces";
  public static final String EXCLUDE_INTERFACES = "traffic.sidecar.istio.io/excludeInterfaces";
  public static final String PROXY_IMAGE_TYPE = "sidecar.istio.io/proxyImageType";
  public static final String BOOTSTRAP_OVERRIDE = "sidecar.istio.io/bootstrapOverride";
  public static final String USER_VOLUME = "sidecar.istio.io/userVolume";
  public static final String USER_VOLUME_MOUNT = "sidecar.istio.io/userVolumeMount";
  public static final String INJECT_TEMPLATES = "inject.istio.io/templates";
  /** Where the user's own istio-proxy/istio-init containers are kept, so re-injection can apply them again. */
  public static final String PROXY_OVERRIDES = "proxy.istio.io/overrides";

  // container and volume names pilot-agent and users rely on
  public static final String PROXY_CONTAINER = "istio-proxy";
  public static final String INIT_CONTAINER = "istio-init";
  /** The CNI plugin's check container that takes istio-init's place when the node sets up traffic capture. */
  public static final String VALIDATION_CONTAINER = "istio-validation";
  /** A user container with this image is customising the injected one and takes its image. */
  public static final String AUTO_IMAGE = "auto";

  // ports: -u must equal the proxy's uid or the proxy's own traffic loops back into itself
  public static final long PROXY_UID = 1337L;
  /** The proxy's gid, which istio-validation (Istio CNI) runs as too. */
  public static final long PROXY_GID = 1337L;
  public static final int OUTBOUND_CAPTURE_PORT = 15001;
  public static final int INBOUND_CAPTURE_PORT = 15006;
  public static final int ENVOY_PROMETHEUS_PORT = 15090;
  public static final int ENVOY_HEALTH_PORT = 15021;
  public static final int DEFAULT_STATUS_PORT = 15020;
}
