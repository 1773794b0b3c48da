package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** precheck and analyze on the test cluster: clean, and with what they are meant to find. */
@KubeTest
class ClusterChecksIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void precheckPassesOnTheTestClusterAndFailsBesideAnotherIstioInjector(TestCluster cluster, KubernetesClient client) {
    String kc = cluster.kubeconfig().toString();
    MeshctlRun clean = MeshctlRun.of("--kubeconfig", kc, "precheck");

    assertThat(clean.exitCode()).as(clean.toString()).isZero();
    assertThat(clean.out()).as(clean.toString())
        .containsPattern("CHECK\\s+RESULT\\s+DETAIL\\s+ADVICE")
        .containsPattern("kubernetes version\\s+OK\\s+" + cluster.serverVersion().replace(".", "\\.") + " \\(native sidecars GA\\)")
        .containsPattern("cluster permissions\\s+OK\\s+all \\d+ verbs the operator needs cluster-wide are allowed")
        .containsPattern("namespace permissions\\s+OK\\s+all \\d+ verbs the operator needs in namespace mesh-operator are allowed")
        .containsPattern("other sidecar injectors\\s+OK")
        .containsPattern("existing istiod\\s+OK");
    assertThat(clean.err()).isEmpty();

    var webhooks = client.admissionRegistration().v1().mutatingWebhookConfigurations();
    // Ignore and a dead URL: it must not block pod creation in other tests while it exists.
    webhooks.resource(new MutatingWebhookConfigurationBuilder().withNewMetadata().withName("istio-sidecar-injector").endMetadata()
        .addNewWebhook().withName("namespace.sidecar-injector.istio.io")
        .withNewClientConfig().withUrl("https://127.0.0.1:1/inject").endClientConfig()
        .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE").withResources("pods").endRule()
        .withNewNamespaceSelector().addToMatchLabels("istio-injection", "enabled").endNamespaceSelector()
        .withFailurePolicy("Ignore").withSideEffects("None").withAdmissionReviewVersions("v1")
        .endWebhook().build()).create();
    try {
      MeshctlRun conflicting = MeshctlRun.of("--kubeconfig", kc, "precheck");

      assertThat(conflicting.exitCode()).as(conflicting.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(conflicting.out()).as(conflicting.toString())
          .containsPattern("other sidecar injectors\\s+FAIL\\s+MutatingWebhookConfiguration istio-sidecar-injector injects Istio sidecars too\\s+"
              + "pods would get two injectors: remove it \\(kubectl delete mutatingwebhookconfiguration istio-sidecar-injector\\)")
          .containsPattern("overlapping webhooks\\s+WARN\\s+.*istio-sidecar-injector/namespace.sidecar-injector.istio.io");
      assertThat(conflicting.err().lines()).containsExactly("meshctl: error: precheck failed: other sidecar injectors",
          "hint: follow the ADVICE of each FAIL above");

      JsonNode json = Yaml.tree(MeshctlRun.of("--kubeconfig", kc, "precheck", "-o", "json").out());
      assertThat(StreamSupport.stream(json.spliterator(), false)
          .filter(c -> c.path("result").asText().equals("FAIL")).map(c -> c.path("name").asText()))
          .containsExactly("other sidecar injectors");
    } finally {
      webhooks.withName("istio-sidecar-injector").delete();
    }
  }

  @Test
  void analyzeReportsPodsWithoutSidecarOrWithAnOutdatedOneAndNamespacesOfMissingRevisions(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String kc = cluster.kubeconfig().toString();
    String sfx = ClusterInstallIT.suffix();
    String rev = "an" + sfx;
    String name = "analyze-" + sfx;
    // Only the MeshInstall is needed (analyze reads its revision and proxy image); no operator
    // runs, so no webhook injects: the pods below start without a sidecar, as pods created
    // before injection was enabled would.
    client.resources(MeshInstall.class).resource(new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s}
        spec: {profile: minimal, revision: %s, namespace: an-%s, version: 1.30.3}
        """.formatted(name, rev, sfx), MeshInstall.class)).create();
    String other = "analyze-norev-" + sfx;
    try {
      MeshctlRun empty = MeshctlRun.of("--kubeconfig", kc, "analyze", "-n", ns.name());
      assertThat(empty.exitCode()).as(empty.toString()).isZero();
      assertThat(empty.out()).isEqualTo("no problems found\n");

      client.namespaces().withName(ns.name()).edit(n -> {
        Map<String, String> labels = new HashMap<>(n.getMetadata().getLabels());
        labels.put("istio.io/rev", rev);
        n.getMetadata().setLabels(labels);
        return n;
      });
      client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
          .withNewMetadata().withName("app").endMetadata()
          .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "app").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "app").endMetadata()
          .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
          .endSpec().endTemplate().endSpec().build()).create();
      // Injected by an older control plane: same revision, older proxy.
      client.pods().inNamespace(ns.name()).resource(new PodBuilder().withNewMetadata().withName("old-proxy")
          .addToAnnotations("sidecar.istio.io/status", "{\"containers\":[\"istio-proxy\"],\"revision\":\"" + rev + "\"}")
          .endMetadata().withNewSpec()
          .addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
          .addNewContainer().withName("istio-proxy").withImage("docker.io/istio/proxyv2:1.29.0").endContainer()
          .endSpec().build()).create();
      // Opted out: never reported.
      client.pods().inNamespace(ns.name()).resource(new PodBuilder().withNewMetadata().withName("opted-out")
          .addToLabels("sidecar.istio.io/inject", "false").endMetadata().withNewSpec()
          .addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
          .endSpec().build()).create();
      await().atMost(TIMEOUT).until(() -> client.pods().inNamespace(ns.name()).list().getItems().stream()
          .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).count() == 3);
      String appPod = client.pods().inNamespace(ns.name()).withLabel("app", "app").list().getItems().get(0).getMetadata().getName();

      MeshctlRun run = MeshctlRun.of("--kubeconfig", kc, "analyze", "-n", ns.name());

      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(run.out()).as(run.toString())
          .containsPattern("NAMESPACE\\s+POD\\s+PROBLEM\\s+ADVICE")
          .containsPattern(ns.name() + "\\s+" + appPod + "\\s+no sidecar .*\\s+kubectl rollout restart deployment/app -n " + ns.name())
          .containsPattern(ns.name() + "\\s+old-proxy\\s+sidecar image docker.io/istio/proxyv2:1.29.0, revision " + rev
              + " injects docker.io/istio/proxyv2:1.30.3\\s+recreate it: kubectl delete pod old-proxy -n " + ns.name())
          .doesNotContain("opted-out");
      assertThat(run.err().lines()).containsExactly("meshctl: error: 2 problems found",
          "hint: follow the ADVICE column; restarted pods get the current sidecar");

      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(other)
          .addToLabels("istio.io/rev", "nosuch" + sfx).endMetadata().build()).create();
      JsonNode json = Yaml.tree(MeshctlRun.of("--kubeconfig", kc, "analyze", "-n", other, "-o", "json").out());
      assertThat(json.get(0).path("problem").asText()).isEqualTo("namespace selects revision nosuch" + sfx + ", which no MeshInstall installs");

      // Without -n: every namespace, the pods of one cluster-wide list read a page at a time; the same
      // findings for these namespaces (other tests' namespaces may add theirs).
      MeshctlRun all = MeshctlRun.of("--kubeconfig", kc, "analyze", "-o", "json");
      assertThat(all.exitCode()).as(all.toString()).isEqualTo(ExitCodes.FAILURE);
      List<String> found = new java.util.ArrayList<>();
      Yaml.tree(all.out()).forEach(f -> found.add(f.path("namespace").asText() + " " + f.path("pod").asText()));
      assertThat(found).as(all.toString()).contains(ns.name() + " " + appPod, ns.name() + " old-proxy", other + " -")
          .doesNotContain(ns.name() + " opted-out");
    } finally {
      client.resources(MeshInstall.class).withName(name).delete();
      client.namespaces().withName(other).delete();
    }
  }
}
