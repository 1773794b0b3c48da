package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.AddonSpec;
import dev.meshoperator.api.AddonsSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Grafana addon provisions a Prometheus data source and our four dashboards, wired together:
 * the provider's path is where the dashboards' ConfigMap is mounted, every panel names the data
 * source's uid, and each dashboard is valid JSON with queries in every panel. (That each query is
 * valid PromQL is MonitoringIT's job, with promtool.)
 */
class GrafanaAddonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  private static List<HasMetadata> withAddons() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    AddonSpec on = new AddonSpec();
    on.setEnabled(true);
    AddonsSpec addons = new AddonsSpec();
    addons.setPrometheus(on);
    addons.setGrafana(on);
    install.getSpec().setAddons(addons);
    return new Renderer().render(Profiles.resolve(install));
  }

  private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError(type.getSimpleName() + "/" + name + " not rendered"));
  }

  @Test
  void dataSourceAndDashboardProviderAreMountedWhereGrafanaLooks() throws Exception {
    List<HasMetadata> objects = withAddons();
    ConfigMap grafana = find(objects, ConfigMap.class, "grafana");
    JsonNode datasource = YAML.readTree(grafana.getData().get("datasources.yaml")).path("datasources").get(0);
    assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
    assertThat(datasource.path("uid").asText()).isEqualTo(GrafanaDashboards.DATASOURCE_UID);
    assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus.istio-system:9090");
    JsonNode provider = YAML.readTree(grafana.getData().get("dashboards.yaml")).path("providers").get(0);
    assertThat(provider.path("type").asText()).isEqualTo("file");

    PodSpec pod = find(objects, Deployment.class, "grafana").getSpec().getTemplate().getSpec();
    Map<String, String> mounts = new java.util.HashMap<>();
    for (VolumeMount m : pod.getContainers().get(0).getVolumeMounts()) {
      mounts.put(m.getName(), m.getMountPath());
    }
    assertThat(mounts).containsEntry("datasources", "/etc/grafana/provisioning/datasources")
        .containsEntry("dashboard-providers", "/etc/grafana/provisioning/dashboards")
        .containsEntry("dashboards", provider.path("options").path("path").asText());
    Volume dashboards = pod.getVolumes().stream().filter(v -> v.getName().equals("dashboards")).findFirst().orElseThrow();
    assertThat(dashboards.getConfigMap().getName()).isEqualTo("grafana-dashboards");
  }

  @Test
  void fourDashboardsOfOurOwnWithAQueryInEveryPanel() throws Exception {
    ConfigMap dashboards = find(withAddons(), ConfigMap.class, "grafana-dashboards");
    assertThat(dashboards.getData()).containsOnlyKeys("control-plane.json", "mesh.json", "service.json", "workload.json");
    List<String> titles = new ArrayList<>();
    List<String> uids = new ArrayList<>();
    for (String text : dashboards.getData().values()) {
      JsonNode dashboard = JSON.readTree(text);
      titles.add(dashboard.path("title").asText());
      uids.add(dashboard.path("uid").asText());
      assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(4);
      for (JsonNode panel : dashboard.path("panels")) {
        assertThat(panel.path("datasource").path("uid").asText()).isEqualTo(GrafanaDashboards.DATASOURCE_UID);
        assertThat(panel.path("targets")).isNotEmpty().allSatisfy(t -> assertThat(t.path("expr").asText()).isNotBlank());
      }
      // template variables used in queries are declared
      String queries = dashboard.path("panels").toString();
      for (JsonNode v : dashboard.path("templating").path("list")) {
        assertThat(queries).contains("$" + v.path("name").asText());
      }
      for (String used : List.of("service", "workload", "namespace")) {
        if (queries.contains("$" + used)) {
          assertThat(dashboard.path("templating").path("list").findValuesAsText("name")).contains(used);
        }
      }
    }
    assertThat(titles).containsExactlyInAnyOrder("Mesh", "Service", "Workload", "Control plane");
    assertThat(uids).doesNotHaveDuplicates();
  }

  @Test
  void dashboardsAreTheSameOnEveryRender() {
    assertThat(find(withAddons(), ConfigMap.class, "grafana-dashboards").getData().get("mesh.json"))
        .isEqualTo(GrafanaDashboards.all().get("mesh.json"));
  }

  @Test
  void prometheusKeepsAnnotatedPodsAndCarriesTheirLabels() throws Exception {
    JsonNode config = YAML.readTree(find(withAddons(), ConfigMap.class, "prometheus").getData().get("prometheus.yml"));
    JsonNode relabels = config.path("scrape_configs").get(0).path("relabel_configs");
    assertThat(relabels.toString()).contains("__meta_kubernetes_pod_annotation_prometheus_io_scrape")
        .contains("__meta_kubernetes_pod_annotation_prometheus_io_path")
        .contains("__meta_kubernetes_pod_annotation_prometheus_io_port")
        .contains("\"labelmap\"");
  }
}
