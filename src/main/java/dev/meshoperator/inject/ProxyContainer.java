package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * istio-proxy: pilot-agent and Envoy from the unchanged proxyv2 image, in the three shapes Istio's
 * templates give it (istio-discovery chart files/injection-template.yaml, gateway-injection-template.yaml,
 * grpc-agent.yaml). pilot-agent learns who it is only from env (downward API for the pod, plain
 * values for the mesh), so these lists are the contract with the image.
 */
final class ProxyContainer {
  private ProxyContainer() {}

  /** Where the custom bootstrap ConfigMap is mounted; ISTIO_BOOTSTRAP_OVERRIDE points into it. */
  static final String BOOTSTRAP_VOLUME = "custom-bootstrap-volume";
  static final String BOOTSTRAP_DIR = "/etc/istio/custom-bootstrap";

  /** The sidecar: captures the pod's traffic; the only port it declares is Envoy's metrics, 15090. */
  static Container sidecar(TemplateContext ctx) {
    SidecarOptions o = ctx.options();
    // Setters, not ContainerBuilder: the builder copies each of the ~30 env vars, mounts and probes
    // into a builder and back (JFR over bench's InjectionBenchmark).
    Container c = new Container();
    c.setName(PROXY_CONTAINER);
    c.setImage(o.proxyImage());
    c.setArgs(new ArrayList<>(args(ctx, "sidecar")));
    c.setEnv(new ArrayList<>(env(ctx, Shape.SIDECAR)));
    c.setPorts(new ArrayList<>(List.of(port("http-envoy-prom", ENVOY_PROMETHEUS_PORT))));
    c.setResources(own(o.resources()));
    c.setSecurityContext(sidecarSecurityContext(o));
    c.setVolumeMounts(new ArrayList<>(mounts(ctx, ProxyVolumes.mounts(ProxyVolumes.Kind.SIDECAR))));
    if (o.statusServerEnabled()) {
      c.setReadinessProbe(readiness(o, ENVOY_HEALTH_PORT));
      // generous, so a slow first xDS push does not get the proxy killed; period 1 so the app
      // (classic hold or native ordering) starts as soon as the proxy is ready
      Probe startup = httpGet("/healthz/ready", ENVOY_HEALTH_PORT);
      startup.setInitialDelaySeconds(0);
      startup.setPeriodSeconds(1);
      startup.setTimeoutSeconds(3);
      startup.setFailureThreshold(600);
      c.setStartupProbe(startup);
    }
    if (o.nativeSidecar()) {
      c.setRestartPolicy("Always");
      if (o.statusServerEnabled()) {
        // native sidecars stop after the app; draining first lets in-flight requests finish
        c.setLifecycle(execHook(false,
            List.of("pilot-agent", "request", "--debug-port=" + o.statusPort(), "POST", "drain")));
      }
    } else if (o.holdApplicationUntilProxyStarts()) {
      // the kubelet starts containers in order and waits for postStart, so the app starts after this
      c.setLifecycle(execHook(true, List.of("pilot-agent", "wait")));
    }
    return c;
  }

  /** A lifecycle with one exec hook: postStart if {@code postStart}, else preStop. */
  private static Lifecycle execHook(boolean postStart, List<String> command) {
    ExecAction exec = new ExecAction();
    exec.setCommand(new ArrayList<>(command));
    LifecycleHandler handler = new LifecycleHandler();
    handler.setExec(exec);
    Lifecycle lifecycle = new Lifecycle();
    if (postStart) {
      lifecycle.setPostStart(handler);
    } else {
      lifecycle.setPreStop(handler);
    }
    return lifecycle;
  }

  /**
   * The gateway: {@code proxy router}, no capture, and only what the gateway chart does not say
   * itself: the gateway chart's own istio-proxy container (security context, resources, ports)
   * is laid over this one. Resources only when the pod's annotations ask for them.
   */
  static Container gateway(TemplateContext ctx) {
    SidecarOptions o = ctx.options();
    ContainerBuilder b = new ContainerBuilder()
        .withName(PROXY_CONTAINER)
        .withImage(o.proxyImage())
        .withPorts(port("http-envoy-prom", ENVOY_PROMETHEUS_PORT))
        .withArgs(args(ctx, "router"))
        .withSecurityContext(new SecurityContextBuilder().withRunAsUser(PROXY_UID).withRunAsGroup(PROXY_UID).build())
        .withEnv(env(ctx, Shape.GATEWAY))
        .withReadinessProbe(readiness(o, ENVOY_HEALTH_PORT))
        .withVolumeMounts(mounts(ctx, ProxyVolumes.mounts(ProxyVolumes.Kind.GATEWAY)));
    if (o.resourcesFromAnnotations()) {
      b.withResources(o.resources());
    }
    return b.build();
  }

  /**
   * Proxyless gRPC's agent: pilot-agent without Envoy (DISABLE_ENVOY), serving xDS and
   * certificates to the app over /etc/istio/proxy; its status port is its only port.
   */
  static Container grpcAgent(TemplateContext ctx) {
    SidecarOptions o = ctx.options();
    List<VolumeMount> base = List.of(
        ProxyVolumes.mount(ProxyVolumes.WORKLOAD_SOCKET, "/var/run/secrets/workload-spiffe-uds", false),
        ProxyVolumes.mount(ProxyVolumes.WORKLOAD_CERTS, "/var/run/secrets/workload-spiffe-credentials", false),
        ProxyVolumes.mount(ProxyVolumes.CA_CERT, "/var/run/secrets/istio", false),
        ProxyVolumes.mount(ProxyVolumes.ISTIO_DATA, "/var/lib/istio/data", false),
        ProxyVolumes.mount(GrpcAgentTemplate.XDS_VOLUME, "/etc/istio/proxy", false),
        ProxyVolumes.mount(ProxyVolumes.ISTIO_TOKEN, "/var/run/secrets/tokens", true),
        ProxyVolumes.mount(ProxyVolumes.PODINFO, "/etc/istio/pod", false));
    int statusPort = o.statusServerEnabled() ? o.statusPort() : DEFAULT_STATUS_PORT;
    ContainerBuilder b = new ContainerBuilder()
        .withName(PROXY_CONTAINER)
        .withImage(o.proxyImage())
        .withPorts(port("mesh-metrics", statusPort))
        .withArgs(args(ctx, "sidecar"))
        // the app must not start before the agent serves its xDS bootstrap
        .withNewLifecycle().withNewPostStart().withNewExec()
          .withCommand("pilot-agent", "wait", "--url=http://localhost:" + statusPort + "/healthz/ready")
        .endExec().endPostStart().endLifecycle()
        .withEnv(env(ctx, Shape.GRPC_AGENT))
        .withResources(o.resources())
        .withVolumeMounts(mounts(ctx, base));
    if (o.statusServerEnabled()) {
      b.withReadinessProbe(readiness(o, o.statusPort()));
    }
    return b.build();
  }

  private static List<String> args(TemplateContext ctx, String role) {
    SidecarOptions o = ctx.options();
    return List.of(
        "proxy", role,
        "--domain", "$(POD_NAMESPACE).svc." + ctx.settings().clusterDomain(),
        "--proxyLogLevel=" + o.logLevels().proxy(),
        "--proxyComponentLogLevel=" + o.logLevels().component(),
        "--log_output_level=" + o.logLevels().agent());
  }

  private static Probe readiness(SidecarOptions o, int port) {
    Probe p = httpGet("/healthz/ready", port);
    p.setInitialDelaySeconds(o.readinessInitialDelaySeconds());
    p.setPeriodSeconds(o.readinessPeriodSeconds());
    p.setTimeoutSeconds(3);
    p.setFailureThreshold(o.readinessFailureThreshold());
    return p;
  }

  private static Probe httpGet(String path, int port) {
    io.fabric8.kubernetes.api.model.HTTPGetAction get = new io.fabric8.kubernetes.api.model.HTTPGetAction();
    get.setPath(path);
    get.setPort(new IntOrString(port));
    Probe p = new Probe();
    p.setHttpGet(get);
    return p;
  }

  /** The shape's own mounts, then the custom bootstrap and the user's (sidecar.istio.io/userVolumeMount). */
  private static List<VolumeMount> mounts(TemplateContext ctx, List<VolumeMount> base) {
    List<VolumeMount> out = new ArrayList<>(base);
    if (ctx.options().hasBootstrapOverride()) {
      out.add(ProxyVolumes.mount(BOOTSTRAP_VOLUME, BOOTSTRAP_DIR, false));
    }
    out.addAll(ctx.options().userVolumeMounts());
    return out;
  }

  private static ContainerPort port(String name, int number) {
    ContainerPort p = new ContainerPort();
    p.setName(name);
    p.setContainerPort(number);
    p.setProtocol("TCP");
    return p;
  }

  /**
   * TPROXY needs NET_ADMIN in Envoy itself (transparent sockets); REDIRECT needs no privilege.
   * The uid stays 1337 in both, since istio-iptables exempts that uid's traffic.
   */
  private static SecurityContext sidecarSecurityContext(SidecarOptions o) {
    boolean tproxy = o.interceptionMode() == InterceptionMode.TPROXY;
    return TemplateParts.securityContext(tproxy, false, true, PROXY_UID, true, PROXY_UID,
        tproxy ? List.of("NET_ADMIN") : List.of(), List.of("ALL"));
  }

  private enum Shape {
    SIDECAR,
    GATEWAY,
    GRPC_AGENT
  }

  private static List<EnvVar> env(TemplateContext ctx, Shape shape) {
    SidecarOptions o = ctx.options();
    InjectionSettings s = ctx.settings();
    boolean grpc = shape == Shape.GRPC_AGENT;
    List<EnvVar> env = new ArrayList<>();
    if (grpc) {
      env.add(value("ISTIO_META_GENERATOR", "grpc"));
      env.add(value("OUTPUT_CERTS", "/var/lib/istio/data"));
    }
    env.add(value("PILOT_CERT_PROVIDER", "istiod"));
    env.add(value("CA_ADDR", s.caAddress()));
    env.add(field("POD_NAME", "metadata.name"));
    env.add(field("POD_NAMESPACE", "metadata.namespace"));
    env.add(field("INSTANCE_IP", "status.podIP"));
    env.add(field("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    env.add(field("HOST_IP", "status.hostIP"));
    env.add(field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    if (!grpc) {
      env.add(resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    }
    env.add(value("PROXY_CONFIG", o.proxyConfig().toString()));
    env.add(value("ISTIO_META_POD_PORTS", podPorts(ctx.declaredPortsOf())));
    env.add(value("ISTIO_META_APP_CONTAINERS",
        ctx.appContainers().stream().map(Container::getName).collect(Collectors.joining(","))));
    if (!grpc) {
      // the Go runtime sizes itself to the node, not to the container, unless told
      env.add(resource("GOMEMLIMIT", "limits.memory"));
      env.add(resource("GOMAXPROCS", "limits.cpu"));
    }
    env.add(value("ISTIO_META_CLUSTER_ID", s.clusterId()));
    if (!grpc) {
      env.add(value("ISTIO_META_INTERCEPTION_MODE", o.interceptionMode().name()));
    }
    String network = s.networkOf(ctx.labels());
    if (!network.isEmpty()) {
      env.add(value("ISTIO_META_NETWORK", network));
    }
    env.add(value("ISTIO_META_WORKLOAD_NAME", ctx.workload().name()));
    env.add(value("ISTIO_META_OWNER", ctx.workload().ownerUri(ctx.namespace())));
    if (o.hasBootstrapOverride() && !grpc) {
      env.add(value("ISTIO_BOOTSTRAP_OVERRIDE", BOOTSTRAP_DIR + "/custom_bootstrap.json"));
    }
    env.add(value("ISTIO_META_MESH_ID", s.meshId()));
    env.add(value("TRUST_DOMAIN", s.trustDomain()));
    o.proxyMetadata().forEach((k, v) -> env.add(value(k, v)));
    if (grpc) {
      // gRPC resolves through xds:///, so the agent's DNS proxy has nothing to do
      env.add(value("ISTIO_META_DNS_CAPTURE", "false"));
      env.add(value("DISABLE_ENVOY", "true"));
    }
    return env;
  }

  /** The containers' declared ports, in the JSON shape of a Kubernetes ContainerPort list. */
  static String podPorts(List<Container> containers) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Container c : containers) {
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort p : c.getPorts()) {
        ObjectNode n = a.addObject();
        if (p.getName() != null) {
          n.put("name", p.getName());
        }
        if (p.getHostPort() != null) {
          n.put("hostPort", p.getHostPort());
        }
        if (p.getContainerPort() != null) {
          n.put("containerPort", p.getContainerPort());
        }
        n.put("protocol", p.getProtocol() == null ? "TCP" : p.getProtocol());
        if (p.getHostIP() != null) {
          n.put("hostIP", p.getHostIP());
        }
      }
    }
    return a.toString();
  }

  static EnvVar value(String name, String value) {
    // setters, not EnvVarBuilder: a proxy has some 30 env vars per injection
    EnvVar e = new EnvVar();
    e.setName(name);
    e.setValue(value);
    return e;
  }

  static EnvVar field(String name, String path) {
    ObjectFieldSelector ref = new ObjectFieldSelector();
    ref.setFieldPath(path);
    EnvVarSource from = new EnvVarSource();
    from.setFieldRef(ref);
    EnvVar e = new EnvVar();
    e.setName(name);
    e.setValueFrom(from);
    return e;
  }

  private static EnvVar resource(String name, String resource) {
    ResourceFieldSelector ref = new ResourceFieldSelector();
    ref.setResource(resource);
    EnvVarSource from = new EnvVarSource();
    from.setResourceFieldRef(ref);
    EnvVar e = new EnvVar();
    e.setName(name);
    e.setValueFrom(from);
    return e;
  }

  /**
   * A copy of the resources, which usually are the settings' own and shared by every pod: the
   * fragment's objects become the injected pod's (FragmentMerge), and a pod must not share them.
   */
  static io.fabric8.kubernetes.api.model.ResourceRequirements own(
      io.fabric8.kubernetes.api.model.ResourceRequirements r) {
    if (r == null) {
      return null;
    }
    var copy = new io.fabric8.kubernetes.api.model.ResourceRequirements();
    copy.setClaims(r.getClaims() == null ? null : new ArrayList<>(r.getClaims()));
    copy.setLimits(r.getLimits() == null ? null : new java.util.LinkedHashMap<>(r.getLimits()));
    copy.setRequests(r.getRequests() == null ? null : new java.util.LinkedHashMap<>(r.getRequests()));
    r.getAdditionalProperties().forEach(copy::setAdditionalProperty);
    return copy;
  }
}
