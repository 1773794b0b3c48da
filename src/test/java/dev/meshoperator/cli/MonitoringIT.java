package dev.meshoperator.cli;

import dev.meshoperator.operator.OperatorProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.render.Renderer;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.ProcessRun;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring addons with the real tools: Debian's {@code prometheus} package (promtool and the
 * server; .ci/run installs it). The Prometheus configuration the addon renders passes {@code
 * promtool check config}; every query of the Grafana dashboards parses as PromQL ({@code promtool
 * check rules} on each as a recording rule); and the real Prometheus, given that configuration with
 * its pod discovery fed from the test cluster (see {@link #forDebianPrometheus}), keeps istiod, the
 * gateways and the injected pods as scrape targets on the ports and paths their annotations name,
 * and leaves other pods out. kwok's pods have IPs but serve nothing, so targets are discovered, not
 * scraped.
 */
@KubeTest
class MonitoringIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @TempDir
  Path dir;

  private static String binary(String name) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(name + " is not on PATH: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
  }

  private static MeshInstall monitored(String name, String revision, String namespace) {
    return new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s}
        spec:
          profile: demo
          revision: %s
          namespace: %s
          addons: {prometheus: {enabled: true}, grafana: {enabled: true}}
        """.formatted(name, revision, namespace), MeshInstall.class);
  }

  private static ConfigMap configMap(List<HasMetadata> objects, String name) {
    return objects.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
        .filter(c -> c.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no ConfigMap " + name));
  }

  private static ProcessRun run(List<String> command) throws IOException, InterruptedException {
    return ProcessRun.run(command, Map.of(), Duration.ofSeconds(60));
  }

  @Test
  void promtoolAcceptsThePrometheusConfigurationAndRejectsABrokenOne() throws Exception {
    List<HasMetadata> objects = new Renderer().render(Profiles.resolve(monitored("m", "mon", "istio-system")));
    Path config = dir.resolve("prometheus.yml");
    YAML.writeValue(config.toFile(), forDebianPrometheus(configMap(objects, "prometheus-mon").getData().get("prometheus.yml"),
        "http://127.0.0.1:9/targets"));

    ProcessRun good = run(List.of(binary("promtool"), "check", "config", config.toString()));
    assertThat(good.exitCode()).as(good.output()).isZero();
    assertThat(good.output()).contains("SUCCESS");

    // positive control: promtool does check what we give it
    Path broken = dir.resolve("broken.yml");
    Files.writeString(broken, Files.readString(config).replace("action: \"keep\"", "action: \"keepit\"")
        .replace("action: keep\n", "action: keepit\n"));
    assertThat(Files.readString(broken)).isNotEqualTo(Files.readString(config));
    ProcessRun bad = run(List.of(binary("promtool"), "check", "config", broken.toString()));
    assertThat(bad.exitCode()).as(bad.output()).isNotZero();
  }

  /**
   * The addon's configuration with its Kubernetes pod discovery swapped for HTTP discovery from
   * {@code url}: Debian's prometheus 2.42 is built without Kubernetes discovery (its promtool
   * reports "field kubernetes_sd_configs not found"), and {@link PodTargetsServer} lists the
   * test cluster's pods with the labels Kubernetes discovery gives them. Everything else, the
   * relabelling above all, is the addon's as rendered.
   */
  private static ObjectNode forDebianPrometheus(String rendered, String url) throws IOException {
    ObjectNode config = (ObjectNode) YAML.readTree(rendered);
    int swapped = 0;
    for (JsonNode job : config.path("scrape_configs")) {
      JsonNode sd = job.path("kubernetes_sd_configs");
      if (sd.isArray()) {
        assertThat(sd).allSatisfy(c -> assertThat(c.path("role").asText()).isEqualTo("pod"));
        ObjectNode http = YAML.createObjectNode().put("url", url).put("refresh_interval", "5s");
        ((ObjectNode) job).remove("kubernetes_sd_configs");
        ((ObjectNode) job).putArray("http_sd_configs").add(http);
        swapped++;
      }
    }
    assertThat(swapped).as("jobs with Kubernetes pod discovery").isPositive();
    return config;
  }

  @Test
  void everyDashboardQueryParsesAsPromQl() throws Exception {
    List<HasMetadata> objects = new Renderer().render(Profiles.resolve(monitored("m", "mon", "istio-system")));
    ConfigMap dashboards = configMap(objects, "grafana-dashboards-mon");
    List<String> queries = new ArrayList<>();
    for (String json : dashboards.getData().values()) {
      for (JsonNode panel : JSON.readTree(json).path("panels")) {
        panel.path("targets").forEach(t -> queries.add(t.path("expr").asText()));
      }
    }
    assertThat(queries).hasSizeGreaterThan(20);

    ProcessRun good = checkRules(queries);
    assertThat(good.exitCode()).as(good.output()).isZero();
    assertThat(good.output()).contains("SUCCESS: " + queries.size() + " rules found");

    // positive control: a query missing a parenthesis is refused
    ProcessRun bad = checkRules(List.of("sum(rate(istio_requests_total[$__rate_interval])"));
    assertThat(bad.exitCode()).as(bad.output()).isNotZero();
  }

  /** Each query as a recording rule, Grafana's variables replaced by what Grafana would put there. */
  private ProcessRun checkRules(List<String> queries) throws IOException, InterruptedException {
    ObjectNode root = YAML.createObjectNode();
    ArrayNode rules = root.putArray("groups").addObject().put("name", "dashboards").putArray("rules");
    for (int i = 0; i < queries.size(); i++) {
      String expr = queries.get(i).replace("$__rate_interval", "1m").replaceAll("\\$(service|namespace|workload)", ".*");
      rules.addObject().put("record", "dashboard:query_" + i).put("expr", expr);
    }
    Path file = Files.createTempFile(dir, "rules", ".yml");
    YAML.writeValue(file.toFile(), root);
    return run(List.of(binary("promtool"), "check", "rules", file.toString()));
  }

  @Test
  void realPrometheusDiscoversIstiodGatewaysAndInjectedPods(TestCluster cluster, KubernetesClient client, TestNamespace ns)
      throws Exception {
    // Before anything is created: a MeshInstall left behind by a failure here (its operator gone,
    // its finalizer kept) would hold up the other tests of the shared cluster.
    String prometheusBinary = binary("prometheus");
    OperatorHarness.installCrd(client);
    String sfx = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + sfx;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    String revision = "mon" + sfx;
    String controlPlane = "mon-" + sfx;
    MeshInstall install = monitored("mon-" + sfx, revision, controlPlane);
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    Process prometheus = null;
    PodTargetsServer targetsServer = null;
    // The operator as users run it: deploy/'s ServiceAccount with deploy/'s RBAC only.
    try (var asServiceAccount = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client).client("mesh-operator-monitoring/" + sfx);
        var operator = OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook, Optional.empty(),
        "mesh-operator-monitoring/" + sfx, FailurePolicy.Fail))) {
      var installs = client.resources(MeshInstall.class);
      installs.resource(install).create();
      // Deleted while its operator still runs, also when an assertion below fails: a MeshInstall
      // left with its finalizer and no operator would hold up the other tests of the shared cluster.
      Throwable failed = null;
      try {
        await().atMost(TIMEOUT).untilAsserted(() -> {
          MeshInstall current = installs.withName(install.getMetadata().getName()).get();
          assertThat(current.getStatus()).isNotNull();
          assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        });
        client.namespaces().withName(ns.name()).edit(n -> {
          n.getMetadata().getLabels().put("istio.io/rev", revision);
          return n;
        });
        client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
            .withNewMetadata().withName("web").endMetadata()
            .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
            .withNewSpec().addNewContainer().withName("web").withImage("registry.k8s.io/pause:3.10")
            .addNewPort().withContainerPort(8080).endPort().endContainer()
            .endSpec().endTemplate().endSpec().build()).create();
        Pod web = await().atMost(TIMEOUT).until(() -> client.pods().inNamespace(ns.name()).withLabel("app", "web").list()
            .getItems().stream().filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null
                && AnalyzeCommand.proxy(p).isPresent()).findFirst().orElse(null), p -> p != null);
        // A pod that is not injected and not annotated: Prometheus must leave it out.
        client.pods().inNamespace(ns.name()).resource(new PodBuilder().withNewMetadata().withName("plain")
            .addToLabels("sidecar.istio.io/inject", "false").endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec()
            .build()).create();

        // The addon's configuration as rendered into the cluster, fed the cluster's pods from outside it.
        String rendered = client.configMaps().inNamespace(controlPlane).withName("prometheus-" + revision).get()
            .getData().get("prometheus.yml");
        targetsServer = new PodTargetsServer(client);
        Path file = dir.resolve("prometheus.yml");
        YAML.writeValue(file.toFile(), forDebianPrometheus(rendered, targetsServer.url()));
        int webPort = Ports.free();
        Path log = dir.resolve("prometheus.log");
        prometheus = new ProcessBuilder(prometheusBinary, "--config.file=" + file,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + webPort)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();

        HttpClient http = HttpClient.newHttpClient();
        URI targets = URI.create("http://127.0.0.1:" + webPort + "/api/v1/targets?state=active");
        String webIp = web.getStatus().getPodIP();
        Process running = prometheus;
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() -> {
          assertThat(running.isAlive()).as("prometheus runs; log: " + Files.readString(log)).isTrue();
          JsonNode body = JSON.readTree(http.send(HttpRequest.newBuilder(targets).build(),
              HttpResponse.BodyHandlers.ofString()).body());
          List<JsonNode> active = StreamSupport.stream(body.path("data").path("activeTargets").spliterator(), false).toList();
          assertThat(active).as("active targets").anySatisfy(t -> {
            assertThat(t.path("labels").path("namespace").asText()).isEqualTo(ns.name());
            assertThat(t.path("labels").path("pod").asText()).isEqualTo(web.getMetadata().getName());
            assertThat(t.path("labels").path("app").asText()).isEqualTo("web");
            assertThat(t.path("scrapeUrl").asText()).isEqualTo("http://" + webIp + ":15020/stats/prometheus");
          });
          assertThat(active).as("istiod").anySatisfy(t -> {
            assertThat(t.path("labels").path("namespace").asText()).isEqualTo(controlPlane);
            assertThat(t.path("labels").path("pod").asText()).startsWith("istiod-" + revision + "-");
            assertThat(t.path("scrapeUrl").asText()).endsWith(":15014/metrics");
          });
          assertThat(active).as("ingress gateway").anySatisfy(t -> {
            assertThat(t.path("labels").path("namespace").asText()).isEqualTo(controlPlane);
            assertThat(t.path("labels").path("pod").asText()).startsWith("istio-ingressgateway-" + revision + "-");
            assertThat(t.path("scrapeUrl").asText()).endsWith(":15020/stats/prometheus");
          });
          assertThat(active).as("the plain pod is not a target")
              .noneSatisfy(t -> assertThat(t.path("labels").path("pod").asText()).isEqualTo("plain"));
        });

        // meshctl dashboard prometheus finds the addon's pod and prints the URL it forwards.
        Path jar = Path.of(System.getProperty("mesh.basedir", "."), "target", "meshctl.jar");
        assertThat(dashboardUrl(cluster, jar, "prometheus", "-n", controlPlane, "--revision", revision, "--port", "0"))
            .matches("http://localhost:\\d+/");
        assertThat(dashboardUrl(cluster, jar, "envoy", web.getMetadata().getName() + "." + ns.name(), "--port", "0"))
            .matches("http://localhost:\\d+/");
        MeshctlRun plain = MeshctlRun.of("--kubeconfig", cluster.kubeconfig().toString(), "dashboard", "envoy", "plain", "-n", ns.name());
        assertThat(plain.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(plain.err().lines()).containsExactly(
            "meshctl: error: pod " + ns.name() + "/plain has no istio-proxy sidecar, so no Envoy admin page",
            "hint: meshctl check-inject pod plain -n " + ns.name() + " says why");
        MeshctlRun none = MeshctlRun.of("--kubeconfig", cluster.kubeconfig().toString(), "dashboard", "grafana", "-n", ns.name());
        assertThat(none.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(none.err()).startsWith("meshctl: error: no grafana in namespace " + ns.name() + " (service grafana not found)\n");
      } catch (Throwable t) {
        failed = t;
        throw t;
      } finally {
        try {
          installs.withName(install.getMetadata().getName()).delete();
          await().atMost(TIMEOUT).until(() -> installs.withName(install.getMetadata().getName()).get() == null);
        } catch (RuntimeException cleanup) {
          if (failed == null) {
            throw cleanup;
          }
          failed.addSuppressed(cleanup);
        }
      }
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor(30, TimeUnit.SECONDS);
      }
      if (targetsServer != null) {
        targetsServer.close();
      }
      client.namespaces().withName(operatorNs).delete();
    }
  }

  /** Runs {@code meshctl dashboard ...} from the jar until it prints its URL, then stops it as Ctrl-C would. */
  private static String dashboardUrl(TestCluster cluster, Path jar, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-jar", jar.toString(), "dashboard"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    Process process = builder.start();
    try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String first = out.readLine();
      String second = out.readLine();
      assertThat(second).as(first).contains("Ctrl-C stops");
      assertThat(process.isAlive()).isTrue();
      return first;
    } finally {
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("dashboard exits on SIGTERM").isTrue();
    }
  }
}
