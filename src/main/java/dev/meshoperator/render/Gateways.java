package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.GatewayConfig;
import dev.meshoperator.profile.WorkloadConfig;
import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Classic ingress and egress gateways (ISTIO-FACTS section 3): a standalone pilot-agent + Envoy in
 * router mode. Per gateway: ServiceAccount, the {@code <name>-sds} Role and binding istiod checks
 * before serving credentials, Deployment, Service, and HPA/PDB per settings.
 */
final class Gateways implements ComponentRenderer {
  private static final int STATUS_PORT = 15021;
  private static final int ENVOY_PROMETHEUS_PORT = 15090;

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    List<HasMetadata> objects = new ArrayList<>();
    for (GatewayConfig gateway : config.gateways()) {
      objects.addAll(gateway(config, gateway));
    }
    return objects;
  }

  /** Istio's {@code istio} label: the name without its "istio-" prefix (istio-ingressgateway -> ingressgateway). */
  static String istioLabel(String name) {
    return name.startsWith("istio-") ? name.substring("istio-".length()) : name;
  }

  private static List<HasMetadata> gateway(EffectiveConfig config, GatewayConfig gateway) {
    String name = config.role().installRevision().qualify(gateway.name()); // stable across RevisionBased upgrades
    String serviceAccount = name + "-service-account";
    String sds = name + "-sds";
    Map<String, String> selector = new TreeMap<>(Map.of("app", name, "istio", istioLabel(gateway.name())));
    Map<String, String> labels = Labels.with(Labels.revisioned(config, gateway.kind().component()), selector);
    WorkloadConfig workload = gateway.workload();

    List<HasMetadata> objects = new ArrayList<>();
    objects.add(new ServiceAccountBuilder().withMetadata(Meta.namespaced(config, serviceAccount, labels)).build());
    objects.add(new RoleBuilder()
        .withMetadata(Meta.namespaced(config, sds, labels))
        .withRules(Rbac.rule("", List.of("secrets"), Rbac.READ))
        .build());
    objects.add(new RoleBindingBuilder()
        .withMetadata(Meta.namespaced(config, sds, labels))
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(sds).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(serviceAccount).withNamespace(config.namespace()).endSubject()
        .build());
    objects.add(deployment(config, gateway, name, serviceAccount, labels, selector));
    objects.add(new ServiceBuilder()
        .withMetadata(Meta.namespaced(config, name, serviceLabels(labels, workload), workload.service().annotations()))
        .withNewSpec()
          .withType(workload.service().type())
          .withSelector(selector)
          .withPorts(workload.service().ports())
        .endSpec()
        .build());
    objects.addAll(Scaling.render(config, name, labels, selector, workload));
    return objects;
  }

  /**
   * An east-west (network) gateway: istiod takes a Service labelled topology.istio.io/network as
   * that network's gateway. Istio's gateway {@code label} goes on pods and Service alike; ours are
   * pod labels, so that one label is carried over to the Service.
   */
  static final String TOPOLOGY_NETWORK = "topology.istio.io/network";

  private static Map<String, String> serviceLabels(Map<String, String> labels, WorkloadConfig workload) {
    String network = workload.podLabels().get(TOPOLOGY_NETWORK);
    return network == null ? labels : Labels.with(labels, Map.of(TOPOLOGY_NETWORK, network));
  }

  private static HasMetadata deployment(EffectiveConfig config, GatewayConfig gateway, String name, String serviceAccount,
      Map<String, String> labels, Map<String, String> selector) {
    WorkloadConfig workload = gateway.workload();
    Map<String, String> podLabels = new TreeMap<>(workload.podLabels());
    podLabels.putAll(Labels.forPods(labels));
    podLabels.put(Labels.SIDECAR_INJECT, "false");
    // pilot-agent merges Envoy's and the app's metrics on 15020; scrape there.
    Map<String, String> podAnnotations = new TreeMap<>(Map.of(
        "prometheus.io/path", "/stats/prometheus",
        "prometheus.io/port", "15020",
        "prometheus.io/scrape", "true",
        Labels.SIDECAR_INJECT, "false"));
    podAnnotations.putAll(workload.podAnnotations());
    String shortName = istioLabel(gateway.name());

    List<VolumeMount> mounts = new ArrayList<>(ProxyVolumes.mounts(ProxyVolumes.Kind.GATEWAY));
    mounts.add(ProxyVolumes.mount("config-volume", "/etc/istio/config", false));
    mounts.add(ProxyVolumes.mount("gateway-certs", "/etc/istio/" + shortName + "-certs", true));
    mounts.add(ProxyVolumes.mount("gateway-ca-certs", "/etc/istio/" + shortName + "-ca-certs", true));
    List<Volume> volumes = new ArrayList<>(ProxyVolumes.volumes(ProxyVolumes.Kind.GATEWAY));
    volumes.add(new VolumeBuilder().withName("config-volume")
        .withNewConfigMap().withName(config.revision().qualify("istio")).withOptional(true).endConfigMap().build());
    volumes.add(new VolumeBuilder().withName("gateway-certs")
        .withNewSecret().withSecretName(gateway.name() + "-certs").withOptional(true).endSecret().build());
    volumes.add(new VolumeBuilder().withName("gateway-ca-certs")
        .withNewSecret().withSecretName(gateway.name() + "-ca-certs").withOptional(true).endSecret().build());

    return new DeploymentBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewSpec()
          .withReplicas(Scaling.deploymentReplicas(workload))
          .withNewSelector().withMatchLabels(selector).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .withServiceAccountName(serviceAccount)
              .withNewSecurityContext().withRunAsUser(1337L).withRunAsGroup(1337L).withRunAsNonRoot(true).endSecurityContext()
              .withNodeSelector(workload.nodeSelector().isEmpty() ? null : workload.nodeSelector())
              .withTolerations(workload.tolerations())
              .withAffinity(workload.affinity())
              .addToContainers(new ContainerBuilder()
                  .withName("istio-proxy")
                  .withImage(config.images().proxy())
                  .withArgs("proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                      "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info")
                  .withPorts(containerPorts(workload.service().ports()))
                  .withNewReadinessProbe()
                    .withNewHttpGet().withPath("/healthz/ready").withPort(new IntOrString(STATUS_PORT)).withScheme("HTTP").endHttpGet()
                    .withInitialDelaySeconds(1).withPeriodSeconds(2).withTimeoutSeconds(1).withFailureThreshold(30).withSuccessThreshold(1)
                  .endReadinessProbe()
                  .withEnv(Env.merge(env(config, name), workload.env()))
                  .withResources(workload.resources())
                  .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withPrivileged(false)
                    .withReadOnlyRootFilesystem(true)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                  .endSecurityContext()
                  .withVolumeMounts(mounts)
                  .build())
              .withVolumes(volumes)
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** The Service's numeric target ports plus Envoy's Prometheus port, each once, in port order. */
  private static List<ContainerPort> containerPorts(List<ServicePort> servicePorts) {
    TreeSet<Integer> ports = new TreeSet<>();
    for (ServicePort port : servicePorts) {
      IntOrString target = port.getTargetPort();
      if (target == null && port.getPort() != null) {
        ports.add(port.getPort());
      } else if (target != null && target.getIntVal() != null) {
        ports.add(target.getIntVal());
      }
    }
    ports.remove(ENVOY_PROMETHEUS_PORT);
    List<ContainerPort> result = new ArrayList<>();
    ports.forEach(p -> result.add(new ContainerPortBuilder().withContainerPort(p).withProtocol("TCP").build()));
    result.add(new ContainerPortBuilder().withName("http-envoy-prom").withContainerPort(ENVOY_PROMETHEUS_PORT).withProtocol("TCP").build());
    return result;
  }

  /** The sidecar's variables minus PROXY_CONFIG, POD_PORTS, APP_CONTAINERS, INTERCEPTION_MODE, GO*; plus NODE_NAME and unprivileged. */
  private static List<EnvVar> env(EffectiveConfig config, String name) {
    List<EnvVar> env = new ArrayList<>(List.of(
        Env.value("PILOT_CERT_PROVIDER", "istiod"),
        Env.value("CA_ADDR", config.discoveryAddress()),
        Env.field("NODE_NAME", "spec.nodeName"),
        Env.field("POD_NAME", "metadata.name"),
        Env.field("POD_NAMESPACE", "metadata.namespace"),
        Env.field("INSTANCE_IP", "status.podIP"),
        Env.field("HOST_IP", "status.hostIP"),
        Env.field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        Env.field("ISTIO_META_NODE_NAME", "spec.nodeName"),
        Env.resource("ISTIO_CPU_LIMIT", "limits.cpu"),
        Env.value("ISTIO_META_WORKLOAD_NAME", name),
        Env.value("ISTIO_META_OWNER", "kubernetes://apis/apps/v1/namespaces/" + config.namespace() + "/deployments/" + name),
        Env.value("ISTIO_META_MESH_ID", config.meshId()),
        Env.value("TRUST_DOMAIN", config.mesh().trustDomain()),
        Env.value("ISTIO_META_UNPRIVILEGED_POD", "true"),
        Env.value("ISTIO_META_CLUSTER_ID", config.cluster().clusterName())));
    // As Istio's gateway chart: the cluster's network unless the gateway's own env names one
    // (Env.merge lets the gateway's env win). No topology.istio.io/network label of our own: Istio's
    // classic gateway chart sets only the gateway's own labels (see serviceLabels).
    if (!config.cluster().network().isEmpty()) {
      env.add(Env.value("ISTIO_META_NETWORK", config.cluster().network()));
    }
    config.mesh().proxyMetadata().forEach((k, v) -> env.add(Env.value(k, v)));
    return env;
  }
}
