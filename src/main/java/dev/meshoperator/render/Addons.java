package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Optional Prometheus and Grafana, only when enabled: enough to look at the mesh, not a production
 * monitoring stack. Image versions are our choice, not Istio facts.
 */
final class Addons implements ComponentRenderer {
  static final String PROMETHEUS_IMAGE = "docker.io/prom/prometheus:v3.5.0";
  static final String GRAFANA_IMAGE = "docker.io/grafana/grafana:12.1.1";
  private static final int PROMETHEUS_PORT = 9090;
  private static final int GRAFANA_PORT = 3000;
  private static final String DASHBOARDS_DIR = "/etc/grafana/dashboards/mesh-operator";

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    List<HasMetadata> objects = new ArrayList<>();
    if (config.addons().prometheus()) {
      objects.addAll(prometheus(config));
    }
    if (config.addons().grafana()) {
      objects.addAll(grafana(config));
    }
    return objects;
  }

  private static List<HasMetadata> prometheus(EffectiveConfig config) {
    String name = config.role().installRevision().qualify("prometheus");
    Map<String, String> selector = Map.of("app", name);
    Map<String, String> labels = Labels.with(Labels.revisioned(config, Labels.COMPONENT_PROMETHEUS), selector);
    String clusterRole = Base.clusterName(config, "prometheus");
    PodSpec pod = new PodSpecBuilder()
        .withServiceAccountName(name)
        .addToContainers(new ContainerBuilder()
            .withName("prometheus")
            .withImage(PROMETHEUS_IMAGE)
            .withArgs("--config.file=/etc/config/prometheus.yml", "--storage.tsdb.path=/data", "--storage.tsdb.retention.time=6h", "--web.enable-lifecycle")
            .addNewPort().withName("http").withContainerPort(PROMETHEUS_PORT).withProtocol("TCP").endPort()
            .withNewReadinessProbe().withNewHttpGet().withPath("/-/ready").withPort(new IntOrString(PROMETHEUS_PORT)).endHttpGet().endReadinessProbe()
            .withNewResources().addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity("256Mi")).endResources()
            .addNewVolumeMount().withName("config").withMountPath("/etc/config").endVolumeMount()
            .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
            .build())
        .withVolumes(
            new VolumeBuilder().withName("config").withNewConfigMap().withName(name).endConfigMap().build(),
            ProxyVolumes.emptyDir("data", null))
        .build();
    return List.of(
        new ServiceAccountBuilder().withMetadata(Meta.namespaced(config, name, labels)).build(),
        new ClusterRoleBuilder()
            .withMetadata(Meta.cluster(clusterRole, labels))
            .withRules(
                Rbac.rule("", List.of("nodes", "nodes/metrics", "services", "endpoints", "pods"), Rbac.READ),
                Rbac.rule("discovery.k8s.io", List.of("endpointslices"), Rbac.READ))
            // No nonResourceURLs ("/metrics" of the API server): the scrape config reads pods only,
            // and the operator, which may grant only what it holds, holds no non-resource URL.
            .build(),
        new ClusterRoleBindingBuilder()
            .withMetadata(Meta.cluster(clusterRole, labels))
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole).endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(config.namespace()).endSubject()
            .build(),
        new ConfigMapBuilder()
            .withMetadata(Meta.namespaced(config, name, labels))
            .addToData("prometheus.yml", MeshConfigYaml.write(prometheusConfig()))
            .build(),
        deployment(config, name, labels, selector, pod),
        service(config, name, labels, selector, PROMETHEUS_PORT));
  }

  /**
   * Scrape every pod that asks to be scraped: istiod and the gateways are rendered with
   * prometheus.io/* annotations, and injection writes them on every injected pod (port 15020,
   * /stats/prometheus: the agent's merged application and Envoy metrics). The pod's labels become
   * the series' labels (app, ...), which the Grafana dashboards select on.
   */
  static Map<String, Object> prometheusConfig() {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("job_name", "kubernetes-pods");
    job.put("kubernetes_sd_configs", List.of(Map.of("role", "pod")));
    job.put("relabel_configs", List.of(
        relabel(List.of("__meta_kubernetes_pod_annotation_prometheus_io_scrape"), "keep", "true", null, null),
        // Finished and not yet started pods have nothing to serve.
        relabel(List.of("__meta_kubernetes_pod_phase"), "drop", "Pending|Succeeded|Failed|Completed", null, null),
        relabel(List.of("__meta_kubernetes_pod_annotation_prometheus_io_path"), "replace", "(.+)", "__metrics_path__", "$1"),
        relabel(List.of("__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"), "replace",
            "([^:]+)(?::\\d+)?;(\\d+)", "__address__", "$1:$2"),
        relabel(List.of("__meta_kubernetes_namespace"), "replace", null, "namespace", null),
        relabel(List.of("__meta_kubernetes_pod_name"), "replace", null, "pod", null),
        labelmap("__meta_kubernetes_pod_label_(.+)")));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("global", Map.of("scrape_interval", "15s"));
    root.put("scrape_configs", List.of(job));
    return root;
  }

  private static Map<String, Object> relabel(List<String> sources, String action, String regex, String target, String replacement) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("source_labels", sources);
    rule.put("action", action);
    if (regex != null) {
      rule.put("regex", regex);
    }
    if (target != null) {
      rule.put("target_label", target);
    }
    if (replacement != null) {
      rule.put("replacement", replacement);
    }
    return rule;
  }

  private static Map<String, Object> labelmap(String regex) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("action", "labelmap");
    rule.put("regex", regex);
    return rule;
  }

  private static List<HasMetadata> grafana(EffectiveConfig config) {
    String name = config.role().installRevision().qualify("grafana");
    Map<String, String> selector = Map.of("app", name);
    Map<String, String> labels = Labels.with(Labels.revisioned(config, Labels.COMPONENT_GRAFANA), selector);
    Map<String, Object> datasource = new LinkedHashMap<>();
    datasource.put("name", "Prometheus");
    datasource.put("uid", GrafanaDashboards.DATASOURCE_UID);
    datasource.put("type", "prometheus");
    datasource.put("access", "proxy");
    datasource.put("url", "http://" + config.role().installRevision().qualify("prometheus") + "." + config.namespace() + ":" + PROMETHEUS_PORT);
    datasource.put("isDefault", true);
    // Ordered maps throughout: Map.of's iteration order changes from one JVM run to the next.
    Map<String, Object> datasources = new LinkedHashMap<>();
    datasources.put("apiVersion", 1);
    datasources.put("datasources", List.of(datasource));
    Map<String, Object> provider = new LinkedHashMap<>();
    provider.put("name", "mesh-operator");
    provider.put("folder", "Mesh");
    provider.put("type", "file");
    provider.put("disableDeletion", true);
    provider.put("options", Map.of("path", DASHBOARDS_DIR));
    Map<String, Object> providers = new LinkedHashMap<>();
    providers.put("apiVersion", 1);
    providers.put("providers", List.of(provider));
    String dashboards = config.role().installRevision().qualify("grafana-dashboards");
    PodSpec pod = new PodSpecBuilder()
        .addToContainers(new ContainerBuilder()
            .withName("grafana")
            .withImage(GRAFANA_IMAGE)
            .addNewPort().withName("http").withContainerPort(GRAFANA_PORT).withProtocol("TCP").endPort()
            // Anonymous admin like Istio's sample addon: a local look at the mesh, not a shared service.
            .addNewEnv().withName("GF_AUTH_ANONYMOUS_ENABLED").withValue("true").endEnv()
            .addNewEnv().withName("GF_AUTH_ANONYMOUS_ORG_ROLE").withValue("Admin").endEnv()
            .addNewEnv().withName("GF_AUTH_BASIC_ENABLED").withValue("false").endEnv()
            .withNewReadinessProbe().withNewHttpGet().withPath("/api/health").withPort(new IntOrString(GRAFANA_PORT)).endHttpGet().endReadinessProbe()
            .withNewResources().addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("64Mi")).endResources()
            .addNewVolumeMount().withName("datasources").withMountPath("/etc/grafana/provisioning/datasources").endVolumeMount()
            .addNewVolumeMount().withName("dashboard-providers").withMountPath("/etc/grafana/provisioning/dashboards").endVolumeMount()
            .addNewVolumeMount().withName("dashboards").withMountPath(DASHBOARDS_DIR).endVolumeMount()
            .addNewVolumeMount().withName("storage").withMountPath("/var/lib/grafana").endVolumeMount()
            .build())
        .withVolumes(
            new VolumeBuilder().withName("datasources").withNewConfigMap().withName(name)
                .addNewItem().withKey("datasources.yaml").withPath("datasources.yaml").endItem().endConfigMap().build(),
            new VolumeBuilder().withName("dashboard-providers").withNewConfigMap().withName(name)
                .addNewItem().withKey("dashboards.yaml").withPath("dashboards.yaml").endItem().endConfigMap().build(),
            new VolumeBuilder().withName("dashboards").withNewConfigMap().withName(dashboards).endConfigMap().build(),
            ProxyVolumes.emptyDir("storage", null))
        .build();
    return List.of(
        new ConfigMapBuilder()
            .withMetadata(Meta.namespaced(config, name, labels))
            .addToData("datasources.yaml", MeshConfigYaml.write(datasources))
            .addToData("dashboards.yaml", MeshConfigYaml.write(providers))
            .build(),
        new ConfigMapBuilder()
            .withMetadata(Meta.namespaced(config, dashboards, labels))
            .withData(new TreeMap<>(GrafanaDashboards.all()))
            .build(),
        deployment(config, name, labels, selector, pod),
        service(config, name, labels, selector, GRAFANA_PORT));
  }

  private static HasMetadata deployment(EffectiveConfig config, String name, Map<String, String> labels, Map<String, String> selector, PodSpec pod) {
    Map<String, String> podLabels = Labels.forPods(labels);
    podLabels.put(Labels.SIDECAR_INJECT, "false");
    return new DeploymentBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewSpec()
          .withReplicas(1)
          .withNewSelector().withMatchLabels(selector).endSelector()
          .withNewTemplate().withNewMetadata().withLabels(podLabels).endMetadata().withSpec(pod).endTemplate()
        .endSpec()
        .build();
  }

  private static HasMetadata service(EffectiveConfig config, String name, Map<String, String> labels, Map<String, String> selector, int port) {
    return new ServiceBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewSpec()
          .withType("ClusterIP")
          .withSelector(selector)
          .addNewPort().withName("http").withPort(port).withTargetPort(new IntOrString(port)).withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }
}
