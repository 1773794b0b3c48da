package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.IstiodMode;
import dev.meshoperator.profile.WorkloadConfig;
import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A local istiod (ISTIO-FACTS section 2): ServiceAccount, namespace Role, mesh ConfigMap,
 * Deployment, Service, and HPA/PDB per settings. No sidecar-injector ConfigMap and no webhook
 * configuration: the operator is the only injector (must-have 9).
 */
final class Istiod implements ComponentRenderer {
  static final String APP = "istiod";

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    if (config.istiodMode() != IstiodMode.LOCAL) {
      return List.of();
    }
    String name = config.revision().qualify(APP);
    Map<String, String> labels = Labels.with(Labels.revisioned(config, Labels.COMPONENT_ISTIOD), Map.of("app", APP, "istio", "pilot"));
    Map<String, String> selector = selector(config);
    WorkloadConfig pilot = config.pilot();

    List<HasMetadata> objects = new ArrayList<>();
    objects.add(new ServiceAccountBuilder().withMetadata(Meta.namespaced(config, name, labels)).build());
    objects.add(new RoleBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withRules(
            Rbac.rule("networking.istio.io", List.of("gateways"), List.of("create")),
            Rbac.rule("", List.of("secrets"), List.of("create", "get", "watch", "list", "update", "delete")),
            Rbac.rule("", List.of("configmaps"), List.of("delete")),
            Rbac.rule("coordination.k8s.io", List.of("leases"), List.of("get", "update", "patch", "create")))
        .build());
    objects.add(new RoleBindingBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(name).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(config.namespace()).endSubject()
        .build());
    objects.add(new ConfigMapBuilder()
        .withMetadata(Meta.namespaced(config, config.revision().qualify("istio"), labels))
        .addToData("mesh", MeshConfigYaml.mesh(config))
        .addToData("meshNetworks", MeshConfigYaml.meshNetworks())
        .build());
    objects.add(deployment(config, name, labels, selector, pilot));
    objects.add(new ServiceBuilder()
        .withMetadata(Meta.namespaced(config, config.istiodServiceName(), labels, pilot.service().annotations()))
        .withNewSpec()
          .withType(pilot.service().type())
          .withSelector(selector)
          .withPorts(servicePorts())
        .endSpec()
        .build());
    objects.addAll(Scaling.render(config, name, labels, selector, pilot));
    return objects;
  }

  /** istio=pilot as in Istio, plus the revision so two revisions' Deployments never share pods. */
  static Map<String, String> selector(EffectiveConfig config) {
    return new TreeMap<>(Map.of("istio", "pilot", Labels.ISTIO_REV, config.revision().label()));
  }

  private static HasMetadata deployment(EffectiveConfig config, String name, Map<String, String> labels,
      Map<String, String> selector, WorkloadConfig pilot) {
    Map<String, String> podLabels = new TreeMap<>(pilot.podLabels());
    podLabels.putAll(Labels.forPods(labels));
    podLabels.put(Labels.SIDECAR_INJECT, "false");
    Map<String, String> podAnnotations = new TreeMap<>(Map.of(
        "prometheus.io/port", "15014",
        "prometheus.io/scrape", "true",
        Labels.SIDECAR_INJECT, "false"));
    podAnnotations.putAll(pilot.podAnnotations());

    return new DeploymentBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewSpec()
          .withReplicas(Scaling.deploymentReplicas(pilot))
          .withNewSelector().withMatchLabels(selector).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .withServiceAccountName(name)
              .withNodeSelector(pilot.nodeSelector().isEmpty() ? null : pilot.nodeSelector())
              .withTolerations(pilot.tolerations())
              .withAffinity(pilot.affinity())
              .addToContainers(new ContainerBuilder()
                  .withName("discovery")
                  .withImage(config.images().pilot())
                  .withArgs("discovery", "--monitoringAddr=:15014", "--log_output_level=default:info",
                      "--domain", "cluster.local", "--keepaliveMaxServerConnectionAge", "30m")
                  .withPorts(containerPorts())
                  .withNewReadinessProbe()
                    .withNewHttpGet().withPath("/ready").withPort(new IntOrString(8080)).endHttpGet()
                    .withInitialDelaySeconds(1).withPeriodSeconds(3).withTimeoutSeconds(5)
                  .endReadinessProbe()
                  .withEnv(Env.merge(env(config), pilot.env()))
                  .withResources(pilot.resources())
                  .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withRunAsNonRoot(true)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                  .endSecurityContext()
                  .withVolumeMounts(
                      ProxyVolumes.mount("local-certs", "/var/run/secrets/istio-dns", false),
                      ProxyVolumes.mount("istio-token", "/var/run/secrets/tokens", true),
                      ProxyVolumes.mount("cacerts", "/etc/cacerts", true),
                      ProxyVolumes.mount("istio-kubeconfig", "/var/run/secrets/remote", true),
                      ProxyVolumes.mount("istio-csr-dns-cert", "/var/run/secrets/istiod/tls", true),
                      ProxyVolumes.mount("istio-csr-ca-configmap", "/var/run/secrets/istiod/ca", true))
                  .build())
              .withVolumes(volumes())
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  private static List<EnvVar> env(EffectiveConfig config) {
    return List.of(
        Env.value("REVISION", config.revision().label()),
        Env.value("PILOT_CERT_PROVIDER", "istiod"),
        Env.field("POD_NAME", "metadata.name"),
        Env.field("POD_NAMESPACE", "metadata.namespace"),
        Env.field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        Env.value("KUBECONFIG", "/var/run/secrets/remote/config"),
        Env.value("CA_TRUSTED_NODE_ACCOUNTS", config.namespace() + "/ztunnel"),
        Env.value("PILOT_TRACE_SAMPLING", percent(config.mesh().traceSampling())),
        Env.value("PILOT_ENABLE_ANALYSIS", "false"),
        // spec.cluster.name (Istio: global.multiCluster.clusterName, default Kubernetes). The chart
        // passes no network or mesh ID to istiod itself: istiod takes its own network from the
        // topology.istio.io/network label of its namespace and the mesh ID from the mesh config.
        Env.value("CLUSTER_ID", config.cluster().clusterName()),
        Env.resource("GOMAXPROCS", "limits.cpu"),
        Env.value("PLATFORM", ""),
        // istiod patches the caBundle of every MWC (and VWC) labelled istio.io/rev=<rev> whose kind
        // has a non-empty name here. The injector is ours and writes its own caBundle, so injection
        // patching stays off (must-have 8); validation is istiod's, so istiod keeps its caBundle.
        Env.value("INJECTION_WEBHOOK_CONFIG_NAME", ""),
        Env.value("VALIDATION_WEBHOOK_CONFIG_NAME", ConfigValidation.revisionConfigurationName(config)));
  }

  private static String percent(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private static List<ContainerPort> containerPorts() {
    return List.of(
        containerPort("http-debug", 8080),
        containerPort("grpc-xds", 15010),
        containerPort("tls-xds", 15012),
        containerPort("https-webhooks", 15017),
        containerPort("http-monitoring", 15014));
  }

  static List<ServicePort> servicePorts() {
    return List.of(
        servicePort("grpc-xds", 15010, 15010),
        servicePort("https-dns", 15012, 15012),
        servicePort("https-webhook", 443, 15017),
        servicePort("http-monitoring", 15014, 15014));
  }

  static ServicePort servicePort(String name, int port, int targetPort) {
    return new ServicePortBuilder().withName(name).withPort(port).withTargetPort(new IntOrString(targetPort)).withProtocol("TCP").build();
  }

  private static ContainerPort containerPort(String name, int port) {
    return new ContainerPortBuilder().withName(name).withContainerPort(port).withProtocol("TCP").build();
  }

  private static List<Volume> volumes() {
    return List.of(
        ProxyVolumes.emptyDir("local-certs", "Memory"),
        ProxyVolumes.istioToken(),
        // Optional plug-in CA: without it istiod creates its own istio-ca-secret.
        new VolumeBuilder().withName("cacerts").withNewSecret().withSecretName("cacerts").withOptional(true).endSecret().build(),
        new VolumeBuilder().withName("istio-kubeconfig").withNewSecret().withSecretName("istio-kubeconfig").withOptional(true).endSecret().build(),
        new VolumeBuilder().withName("istio-csr-dns-cert").withNewSecret().withSecretName("istiod-tls").withOptional(true).endSecret().build(),
        new VolumeBuilder().withName("istio-csr-ca-configmap").withNewConfigMap().withName("istio-ca-root-cert").withOptional(true).endConfigMap().build());
  }
}
