package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.testenv.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckInjectCommandTest {
  private static final String PODS = """
      apiVersion: v1
      kind: Pod
      metadata: {name: plain, namespace: shop}
      spec:
        containers: [{name: app, image: busybox}]
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: opted-out
        namespace: shop
        labels: {sidecar.istio.io/inject: "false"}
      spec:
        containers: [{name: app, image: busybox}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: ignored}
      spec:
        ports: [{port: 80}]
      """;

  @TempDir
  Path dir;

  private Path file(String content) throws IOException {
    Path file = dir.resolve("in.yaml");
    Files.writeString(file, content);
    return file;
  }

  @Test
  void labelledNamespaceInjectsAndAnOptedOutPodSaysWhy() throws IOException {
    MeshctlRun run = MeshctlRun.of("check-inject", "-f", file(PODS).toString(), "--namespace-labels", "istio-injection=enabled");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("NAME\\s+NAMESPACE\\s+INJECT\\s+REVISION\\s+RULE\\s+REASON");
    assertThat(lines.get(1)).matches("Pod/plain\\s+shop\\s+yes\\s+default\\s+NAMESPACE_ENABLED\\s+"
        + "namespace label istio-injection=enabled selects the default revision");
    assertThat(lines.get(2)).matches("Pod/opted-out\\s+shop\\s+no\\s+-\\s+POD_LABEL_FALSE\\s+"
        + "pod label sidecar.istio.io/inject=false opts the pod out");
    // columns line up, kubectl style
    assertThat(lines.get(1).indexOf("yes")).isEqualTo(lines.get(0).indexOf("INJECT"));
  }

  @Test
  void unlabelledNamespaceSelectsNothing() throws IOException {
    MeshctlRun run = MeshctlRun.of("check-inject", "-f", file(PODS).toString(), "-o", "json");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    JsonNode verdicts = Yaml.tree(run.out());
    assertThat(verdicts).hasSize(2);
    assertThat(verdicts.get(0).path("name").asText()).isEqualTo("plain");
    assertThat(verdicts.get(0).path("inject").asText()).isEqualTo("no");
    assertThat(verdicts.get(0).path("rule").asText()).isEqualTo("NOT_SELECTED");
    assertThat(verdicts.get(0).path("reason").asText()).startsWith("nothing selects the pod");
  }

  @Test
  void revisionLabelNeedsThatRevisionsInjector() throws IOException {
    Path in = file(PODS);

    JsonNode other = Yaml.tree(MeshctlRun.of("check-inject", "-f", in.toString(),
        "--namespace-labels", "istio.io/rev=canary", "-o", "json").out());
    JsonNode canary = Yaml.tree(MeshctlRun.of("check-inject", "-f", in.toString(),
        "--namespace-labels", "istio.io/rev=canary", "--revision", "canary", "-o", "json").out());

    assertThat(other.get(0).path("rule").asText()).isEqualTo("OTHER_REVISION");
    assertThat(other.get(0).path("reason").asText()).contains("not this injector's revision default");
    assertThat(canary.get(0).path("inject").asText()).isEqualTo("yes");
    assertThat(canary.get(0).path("revision").asText()).isEqualTo("canary");
  }

  @Test
  void workloadTemplatesAndSystemNamespaces() throws IOException {
    Path in = file("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: dns, namespace: kube-system}
        spec:
          selector: {matchLabels: {app: dns}}
          template:
            metadata: {labels: {app: dns}}
            spec: {containers: [{name: dns, image: coredns}]}
        """);

    JsonNode verdict = Yaml.tree(MeshctlRun.of("check-inject", "-f", in.toString(),
        "--namespace-labels", "istio-injection=enabled", "-o", "json").out()).get(0);

    assertThat(verdict.path("kind").asText()).isEqualTo("Deployment");
    assertThat(verdict.path("rule").asText()).isEqualTo("SYSTEM_NAMESPACE");
  }

  @Test
  void invalidAnnotationShowsAsRefused() throws IOException {
    Path in = file("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: greedy
          annotations: {sidecar.istio.io/proxyMemory: plenty}
        spec:
          containers: [{name: app, image: busybox}]
        """);

    JsonNode verdict = Yaml.tree(MeshctlRun.of("check-inject", "-f", in.toString(),
        "--namespace-labels", "istio-injection=enabled", "-n", "shop", "-o", "json").out()).get(0);

    assertThat(verdict.path("namespace").asText()).isEqualTo("shop");
    assertThat(verdict.path("inject").asText()).isEqualTo("refused");
    assertThat(verdict.path("reason").asText()).contains("sidecar.istio.io/proxyMemory").contains("plenty");
  }

  @Test
  void fileWithoutWorkloadsIsAFailure() throws IOException {
    MeshctlRun run = MeshctlRun.of("check-inject", "-f", file("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err()).contains("holds no Pod or workload");
  }

  @Test
  void badNamespaceLabelsAreAUsageError() throws IOException {
    MeshctlRun run = MeshctlRun.of("check-inject", "-f", file(PODS).toString(), "--namespace-labels", "istio-injection");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err().lines()).hasSize(2);
  }

  @Test
  void clusterModeRefusesFileOptionsBeforeTouchingTheCluster() throws IOException {
    for (String[] argv : List.of(
        new String[] {"check-inject", "pod", "web", "-f", file(PODS).toString()},
        new String[] {"check-inject", "-n", "shop", "--namespace-labels", "istio-injection=enabled"},
        new String[] {"check-inject", "-n", "shop", "--revision", "canary"},
        new String[] {"check-inject", "service", "web", "-n", "shop"},
        new String[] {"check-inject", "deployment/", "-n", "shop"})) {
      MeshctlRun run = MeshctlRun.of(argv);

      assertThat(run.exitCode()).as(String.join(" ", argv) + "\n" + run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err().lines()).as(run.toString()).hasSize(2);
    }
  }

  @Test
  void clusterThatDoesNotAnswerIsOneErrorLine() throws IOException {
    int port = Ports.free();
    Path kubeconfig = MeshctlRun.unreachableKubeconfig(dir, port);
    MeshctlRun run = MeshctlRun.of("--kubeconfig", kubeconfig.toString(), "check-inject", "pod", "web", "-n", "shop");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).as(run.toString()).hasSize(2);
    assertThat(run.err()).startsWith("meshctl: error: cannot reach the cluster").contains("127.0.0.1:" + port);
  }
}
