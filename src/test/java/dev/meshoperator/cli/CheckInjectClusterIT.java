package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kube-inject --from-cluster and check-inject against the real test cluster, run in-process as a
 * user would type them. No operator runs: both commands only read MeshInstalls, so the pods here
 * are injected (or not) by hand, which is exactly the "labelled after the pod started" situation
 * check-inject must explain. meshctl has no --kubeconfig; fabric8 reads the kubeconfig system
 * property, as it would read $KUBECONFIG.
 */
@KubeTest
class CheckInjectClusterIT {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();
  private String savedKubeconfig;

  @BeforeEach
  void pointMeshctlAtTheCluster(TestCluster cluster) {
    savedKubeconfig = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", cluster.kubeconfig().toString());
  }

  @AfterEach
  void restoreKubeconfig() {
    if (savedKubeconfig == null) {
      System.clearProperty("kubeconfig");
    } else {
      System.setProperty("kubeconfig", savedKubeconfig);
    }
  }

  @Test
  void kubeInjectFromClusterAndCheckInjectExplainWhatTheClusterDoes(KubernetesClient client, TestNamespace ns,
      @TempDir Path dir) throws IOException {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String revision = "ci" + suffix;
    String installName = "check-" + suffix;
    var installs = client.resources(MeshInstall.class);
    installs.resource(KUBE.unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s}
        spec: {profile: minimal, revision: %s, namespace: cp-%s}
        """.formatted(installName, revision, suffix), MeshInstall.class)).create();
    try {
      // --- kube-inject --from-cluster: that MeshInstall's injector, native sidecars as the server allows
      Path podFile = dir.resolve("pod.yaml");
      Files.writeString(podFile, """
          apiVersion: v1
          kind: Pod
          metadata: {name: injected}
          spec:
            containers: [{name: app, image: registry.k8s.io/pause:3.10}]
          """);
      MeshctlRun inject = MeshctlRun.of("kube-inject", "-f", podFile.toString(), "--from-cluster", installName);
      assertThat(inject.exitCode()).as(inject.toString()).isZero();
      Pod injected = KUBE.unmarshal(inject.out(), Pod.class);
      Container proxy = injected.getSpec().getInitContainers().stream()
          .filter(c -> c.getName().equals("istio-proxy")).findFirst()
          .orElseThrow(() -> new AssertionError("a 1.29+ server gets a native sidecar:\n" + inject.out()));
      assertThat(proxy.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
          .contains(org.assertj.core.groups.Tuple.tuple("CA_ADDR", "istiod-" + revision + ".cp-" + suffix + ".svc:15012"));
      assertThat(injected.getMetadata().getAnnotations()).containsEntry("istio.io/rev", revision);

      // --- the namespace asks for the revision; pods made without a webhook
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      // the projected token volume needs the namespace's default ServiceAccount
      await().atMost(Duration.ofSeconds(30)).until(
          () -> client.serviceAccounts().inNamespace(ns.name()).withName("default").get() != null);
      client.pods().inNamespace(ns.name()).resource(injected).create();
      client.pods().inNamespace(ns.name()).resource(plainPod("plain", Map.of())).create();
      client.pods().inNamespace(ns.name()).resource(plainPod("opted-out", Map.of("sidecar.istio.io/inject", "false"))).create();
      client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("web").withImage("registry.k8s.io/pause:3.10").endContainer()
          .endSpec().endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(60)).until(
          () -> client.pods().inNamespace(ns.name()).withLabel("app", "web").list().getItems().size() == 1);

      // --- the whole namespace
      MeshctlRun all = MeshctlRun.of("check-inject", "-n", ns.name(), "-o", "json");
      assertThat(all.exitCode()).as(all.toString()).isZero();
      Map<String, JsonNode> byName = byRef(Yaml.tree(all.out()));
      assertThat(byName.keySet()).as(all.out()).contains("Deployment/web", "Pod/injected", "Pod/plain", "Pod/opted-out")
          .noneMatch(ref -> ref.startsWith("ReplicaSet/"));
      assertThat(byName.get("Deployment/web").path("inject").asText()).isEqualTo("yes");
      assertThat(byName.get("Deployment/web").has("sidecar")).isFalse();
      JsonNode ok = byName.get("Pod/injected");
      assertThat(ok.path("inject").asText()).isEqualTo("yes");
      assertThat(ok.path("revision").asText()).isEqualTo(revision);
      assertThat(ok.path("rule").asText()).isEqualTo("NAMESPACE_REVISION");
      assertThat(ok.path("sidecar").asText()).isEqualTo("yes (" + revision + ")");
      assertThat(ok.has("advice")).as(ok.toString()).isFalse();
      JsonNode late = byName.get("Pod/plain");
      assertThat(late.path("inject").asText()).isEqualTo("yes");
      assertThat(late.path("sidecar").asText()).isEqualTo("no");
      assertThat(late.path("advice").asText()).startsWith("the pod has no sidecar: it was labelled after the pod started");
      assertThat(byName.get("Pod/opted-out").path("rule").asText()).isEqualTo("POD_LABEL_FALSE");

      // --- one pod, as a table
      MeshctlRun one = MeshctlRun.of("check-inject", "pod", "plain", "-n", ns.name());
      assertThat(one.exitCode()).as(one.toString()).isZero();
      List<String> lines = one.out().lines().toList();
      assertThat(lines.get(0)).matches("NAME\\s+NAMESPACE\\s+INJECT\\s+REVISION\\s+RULE\\s+SIDECAR\\s+REASON");
      assertThat(lines).hasSize(2);
      assertThat(lines.get(1)).matches("Pod/plain\\s+" + ns.name() + "\\s+yes\\s+" + revision + "\\s+NAMESPACE_REVISION\\s+no\\s+"
          + "namespace label istio.io/rev=" + revision + " selects revision " + revision
          + "; but the pod has no sidecar: .*; recreate it");

      // --- a deployment with its pods
      MeshctlRun deployment = MeshctlRun.of("check-inject", "deploy/web", "-n", ns.name(), "-o", "json");
      assertThat(deployment.exitCode()).as(deployment.toString()).isZero();
      JsonNode rows = Yaml.tree(deployment.out());
      assertThat(rows).hasSize(2);
      assertThat(rows.get(0).path("kind").asText()).isEqualTo("Deployment");
      assertThat(rows.get(1).path("kind").asText()).isEqualTo("Pod");
      assertThat(rows.get(1).path("advice").asText()).endsWith("restart it (delete the pod and its controller makes a new one)");

      // --- the namespace asks for a revision nobody installed
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", "nobody" + suffix);
        return n;
      });
      JsonNode orphan = Yaml.tree(MeshctlRun.of("check-inject", "pod", "plain", "-n", ns.name(), "-o", "json").out()).get(0);
      assertThat(orphan.path("inject").asText()).isEqualTo("no");
      assertThat(orphan.path("rule").asText()).isEqualTo("NO_MESHINSTALL");
      assertThat(orphan.path("reason").asText()).startsWith("namespace label istio.io/rev=nobody" + suffix
          + " selects revision nobody" + suffix + ", but no MeshInstall has revision nobody" + suffix + " (MeshInstalls: ")
          .contains(installName + " has " + revision);
      JsonNode stale = byRef(Yaml.tree(MeshctlRun.of("check-inject", "pods", "-n", ns.name(), "-o", "json").out()))
          .get("Pod/injected");
      assertThat(stale.path("advice").asText()).startsWith("the pod still has the sidecar it was given");

      // --- what is not there
      MeshctlRun missing = MeshctlRun.of("check-inject", "pod", "nope", "-n", ns.name());
      assertThat(missing.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(missing.err()).startsWith("meshctl: error: Pod nope not found in namespace " + ns.name());
      MeshctlRun noNamespace = MeshctlRun.of("check-inject", "-n", "no-such-ns-" + suffix);
      assertThat(noNamespace.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(noNamespace.err()).startsWith("meshctl: error: namespace no-such-ns-" + suffix + " not found");
      MeshctlRun noInstall = MeshctlRun.of("kube-inject", "-f", podFile.toString(), "--from-cluster", "nobody" + suffix);
      assertThat(noInstall.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(noInstall.err()).startsWith("meshctl: error: MeshInstall nobody" + suffix + " not found");
    } finally {
      installs.withName(installName).delete();
    }
  }

  /**
   * With the operator running, check-inject's "yes" is what the webhook really does: a pod made
   * before the label has no sidecar and is told to restart, one made after has it and agrees.
   */
  @Test
  void checkInjectAgreesWithTheRunningWebhook(TestCluster cluster, KubernetesClient client, TestNamespace ns)
      throws IOException, InterruptedException {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + suffix;
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var webhook = dev.meshoperator.webhook.WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    String revision = "op" + suffix;
    String installName = "check-op-" + suffix;
    var installs = client.resources(MeshInstall.class);
    try (var asServiceAccount = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client).client("check-inject-it");
        var operator = OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook, java.util.Optional.empty(),
        "check-inject-it/" + suffix, dev.meshoperator.api.FailurePolicy.Fail))) {
      client.pods().inNamespace(ns.name()).resource(plainPod("before", Map.of())).create();
      // creation timestamps have whole seconds; "started before the MeshInstall" needs a later one
      Thread.sleep(1_100);
      installs.resource(KUBE.unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: %s, namespace: cp-%s}
          """.formatted(installName, revision, suffix), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        MeshInstall mi = installs.withName(installName).get();
        return mi.getStatus() != null && mi.getStatus().getWebhook() != null
            && "Ready".equals(mi.getStatus().getWebhook().getState());
      });
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      await().atMost(Duration.ofSeconds(30)).until(
          () -> client.serviceAccounts().inNamespace(ns.name()).withName("default").get() != null);
      Pod after = client.pods().inNamespace(ns.name()).resource(plainPod("after", Map.of())).create();
      assertThat(after.getMetadata().getAnnotations()).as("the webhook injected it").containsKey("sidecar.istio.io/status");

      MeshctlRun run = MeshctlRun.of("check-inject", "pods", "-n", ns.name(), "-o", "json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      Map<String, JsonNode> byName = byRef(Yaml.tree(run.out()));
      assertThat(byName.get("Pod/after").path("sidecar").asText()).isEqualTo("yes (" + revision + ")");
      assertThat(byName.get("Pod/after").has("advice")).isFalse();
      assertThat(byName.get("Pod/before").path("inject").asText()).isEqualTo("yes");
      assertThat(byName.get("Pod/before").path("advice").asText())
          .isEqualTo("the pod has no sidecar: it started before MeshInstall " + installName + " existed; recreate it");

      // uninstalled while the operator still runs, so that its finalizer is taken off
      installs.withName(installName).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(installName).get() == null);
    } finally {
      MeshInstall left = installs.withName(installName).get();
      if (left != null) {
        // the test failed before uninstalling: nothing will remove the finalizer now
        MergeEdits.edit(installs.withName(installName), mi -> {
          mi.getMetadata().setFinalizers(List.of());
          return mi;
        });
        installs.withName(installName).delete();
      }
      client.namespaces().withName(operatorNs).delete();
    }
  }

  private static Pod plainPod(String name, Map<String, String> labels) {
    return new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
        .endSpec().build();
  }

  private static Map<String, JsonNode> byRef(JsonNode verdicts) {
    Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
    StreamSupport.stream(verdicts.spliterator(), false)
        .forEach(v -> out.put(v.path("kind").asText() + "/" + v.path("name").asText(), v));
    return out;
  }
}
