package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * istio-proxy: pilot-agent and Envoy from the unchanged proxyv2 image. pilot-agent learns who it is
 * only from env (downward API for the pod, plain values for the mesh), so this list is the contract
 * with the image.
 */
final class ProxyContainer {
  private ProxyContainer() {}

  /** What the proxy describes besides the options: the pod it sits in. */
  record Inputs(
      SidecarOptions options,
      InjectionSettings settings,
      List<Container> appContainers,
      WorkloadIdentity workload,
      String namespace,
      ObjectNode appProbers,
      boolean nativeSidecar) {}

  static Container render(Inputs in) {
    SidecarOptions o = in.options();
    ContainerBuilder b = new ContainerBuilder()
        .withName(PROXY_CONTAINER)
        .withImage(o.proxyImage())
        .withArgs(
            "proxy", "sidecar",
            "--domain", "$(POD_NAMESPACE).svc." + in.settings().clusterDomain(),
            "--proxyLogLevel=" + o.logLevels().proxy(),
            "--proxyComponentLogLevel=" + o.logLevels().component(),
            "--log_output_level=" + o.logLevels().agent())
        .withEnv(env(in))
        .withPorts(ports(o))
        .withResources(o.resources())
        .withSecurityContext(securityContext(o))
        .withVolumeMounts(SidecarVolumes.proxyMounts());
    if (o.statusServerEnabled()) {
      b.withReadinessProbe(new ProbeBuilder(envoyReady())
              .withInitialDelaySeconds(o.readinessInitialDelaySeconds())
              .withPeriodSeconds(o.readinessPeriodSeconds())
              .withTimeoutSeconds(3)
              .withFailureThreshold(o.readinessFailureThreshold())
              .build())
          // generous, so a slow first xDS push does not get the proxy killed; period 1 so the app
          // (classic hold or native ordering) starts as soon as the proxy is ready
          .withStartupProbe(new ProbeBuilder(envoyReady())
              .withInitialDelaySeconds(0)
              .withPeriodSeconds(1)
              .withTimeoutSeconds(3)
              .withFailureThreshold(600)
              .build());
    }
    if (in.nativeSidecar()) {
      b.withRestartPolicy("Always");
      if (o.statusServerEnabled()) {
        // native sidecars stop after the app; draining first lets in-flight requests finish
        b.withNewLifecycle().withNewPreStop().withNewExec()
            .withCommand("pilot-agent", "request", "--debug-port=" + o.statusPort(), "POST", "drain")
            .endExec().endPreStop().endLifecycle();
      }
    } else if (o.holdApplicationUntilProxyStarts()) {
      // the kubelet starts containers in order and waits for postStart, so the app starts after this
      b.withNewLifecycle().withNewPostStart().withNewExec()
          .withCommand("pilot-agent", "wait")
          .endExec().endPostStart().endLifecycle();
    }
    return b.build();
  }

  private static Probe envoyReady() {
    return new ProbeBuilder().withNewHttpGet()
        .withPath("/healthz/ready").withPort(new IntOrString(ENVOY_HEALTH_PORT))
        .endHttpGet().build();
  }

  private static List<ContainerPort> ports(SidecarOptions o) {
    List<ContainerPort> ports = new ArrayList<>();
    ports.add(port("http-envoy-prom", ENVOY_PROMETHEUS_PORT));
    ports.add(port("http-health", ENVOY_HEALTH_PORT));
    if (o.statusServerEnabled()) {
      ports.add(port("http-status", o.statusPort()));
    }
    return ports;
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
  private static SecurityContext securityContext(SidecarOptions o) {
    boolean tproxy = o.interceptionMode() == InterceptionMode.TPROXY;
    SecurityContextBuilder b = new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(tproxy)
        .withPrivileged(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsGroup(PROXY_UID)
        .withRunAsNonRoot(true)
        .withRunAsUser(PROXY_UID);
    if (tproxy) {
      b.withNewCapabilities().addToAdd("NET_ADMIN").addToDrop("ALL").endCapabilities();
    } else {
      b.withNewCapabilities().addToDrop("ALL").endCapabilities();
    }
    return b.build();
  }

  private static List<EnvVar> env(Inputs in) {
    SidecarOptions o = in.options();
    InjectionSettings s = in.settings();
    List<EnvVar> env = new ArrayList<>();
    env.add(value("PILOT_CERT_PROVIDER", "istiod"));
    env.add(value("CA_ADDR", s.caAddress()));
    env.add(field("POD_NAME", "metadata.name"));
    env.add(field("POD_NAMESPACE", "metadata.namespace"));
    env.add(field("INSTANCE_IP", "status.podIP"));
    env.add(field("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    env.add(field("HOST_IP", "status.hostIP"));
    env.add(field("ISTIO_META_NODE_NAME", "spec.nodeName"));
    env.add(resource("ISTIO_CPU_LIMIT", "limits.cpu"));
    env.add(value("PROXY_CONFIG", o.proxyConfig().toString()));
    env.add(value("ISTIO_META_POD_PORTS", podPorts(in.appContainers())));
    env.add(value("ISTIO_META_APP_CONTAINERS",
        in.appContainers().stream().map(Container::getName).collect(Collectors.joining(","))));
    // the Go runtime sizes itself to the node, not to the container, unless told
    env.add(resource("GOMEMLIMIT", "limits.memory"));
    env.add(resource("GOMAXPROCS", "limits.cpu"));
    env.add(value("ISTIO_META_CLUSTER_ID", s.clusterId()));
    env.add(value("ISTIO_META_INTERCEPTION_MODE", o.interceptionMode().name()));
    env.add(value("ISTIO_META_WORKLOAD_NAME", in.workload().name()));
    env.add(value("ISTIO_META_OWNER", in.workload().ownerUri(in.namespace())));
    env.add(value("ISTIO_META_MESH_ID", s.meshId()));
    env.add(value("TRUST_DOMAIN", s.trustDomain()));
    o.proxyMetadata().forEach((k, v) -> env.add(value(k, v)));
    if (!in.appProbers().isEmpty()) {
      env.add(value("ISTIO_KUBE_APP_PROBERS", in.appProbers().toString()));
    }
    return env;
  }

  /** The app's declared ports, in the JSON shape of a Kubernetes ContainerPort list. */
  static String podPorts(List<Container> apps) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Container c : apps) {
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

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar field(String name, String path) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef().endValueFrom().build();
  }

  private static EnvVar resource(String name, String resource) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewResourceFieldRef().withResource(resource).endResourceFieldRef().endValueFrom()
        .build();
  }
}
