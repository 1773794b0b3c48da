package dev.meshoperator.cli;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.localcluster.KubeBinaries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Istio's getting-started sequence, line by line, with {@code meshctl} where the guide says
 * {@code istioctl}: the built kubectl and {@code java -jar target/meshctl.jar} run as processes
 * against the test cluster, and each step is checked by what the user sees on the terminal.
 *
 * <p>{@code manifest apply} installs the CRD, the operator (deploy/) and the MeshInstall, as on a
 * real cluster. kwok's nodes run no containers, so the operator's Deployment here is a pod that
 * is reported Running and does nothing; the operator that does the work is {@code meshctl
 * operator} started from the same jar beside the test, with its webhook registered by URL (what
 * the Deployment's pod does on a real cluster, behind its Service). That is the only difference
 * from a user's run.
 */
@KubeTest
class WalkthroughIT {
  private static final Duration STEP = Duration.ofMinutes(3);
  private static final String INSTALL = "meshinstall"; // manifest apply's MeshInstall when no name is given
  private static final String APP_NAMESPACE = "production";

  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  @Test
  void gettingStartedWithMeshctlInPlaceOfIstioctl(TestCluster cluster, KubernetesClient client) throws Exception {
    Path jar = Path.of(System.getProperty("mesh.basedir", "."), "target", "meshctl.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    Path kubectl = KubeBinaries.fromEnvironment(KubeBinaries.pinnedVersion()).binary("kubectl");
    assertThat(kubectl).exists();
    String meshctl = "java -jar " + jar.toAbsolutePath();

    // What the operator's Deployment provides on a real cluster: the CRD it watches, its namespace, the operator.
    OperatorHarness.installCrd(client);
    if (client.namespaces().withName(BundledManifests.OPERATOR_NAMESPACE).get() == null) {
      cluster.kubectl(List.of("create", "namespace", BundledManifests.OPERATOR_NAMESPACE));
    }
    Path operatorLog = Files.createTempFile("walkthrough-operator", ".log");
    int webhookPort = Ports.free();
    // Authenticated as deploy/'s ServiceAccount with deploy/'s RBAC only, as the Deployment runs.
    Path operatorKubeconfig = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client)
        .writeKubeconfig(Files.createTempFile("walkthrough-operator", ".kubeconfig"));
    var operatorCommand = new ProcessBuilder("java", "-jar", jar.toString(), "operator",
        "--kubeconfig=" + operatorKubeconfig, "--namespace=" + BundledManifests.OPERATOR_NAMESPACE, "--webhook-port=" + webhookPort,
        "--health-port=" + Ports.free(), "--webhook-url-host=" + cluster.hostReachableFromApiServer(webhookPort))
        .redirectErrorStream(true).redirectOutput(operatorLog.toFile());
    operatorCommand.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    Process operator = operatorCommand.start();
    try {
      // The user's operator runs before they type the first line; its start is CPU-heavy, so wait for it.
      await().atMost(STEP).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(operator.isAlive()).as("meshctl operator runs; log: " + operatorLog).isTrue();
        assertThat(Files.readString(operatorLog)).contains("mesh-operator started");
      });
      // istioctl x precheck
      Result precheck = shell(cluster, meshctl + " x precheck");
      assertThat(precheck.exitCode()).as(precheck.toString()).isZero();
      assertThat(precheck.out()).as(precheck.toString()).containsPattern("CHECK\\s+RESULT\\s+DETAIL")
          .containsPattern("kubernetes version\\s+OK").doesNotContain("FAIL");

      // istioctl manifest apply --set profile=demo
      Result apply = shell(cluster, meshctl + " manifest apply --set profile=demo");
      assertThat(apply.exitCode()).as(apply.toString() + "\noperator log: " + operatorLog).isZero();
      assertThat(apply.out()).as(apply.toString())
          .contains("deployment.apps/mesh-operator serverside-applied")
          .contains("meshinstall/" + INSTALL + " serverside-applied (profile demo, revision default, namespace istio-system)")
          .containsPattern("meshinstall/" + INSTALL + " is Ready after [0-9.]+s");

      // kubectl get pods -n istio-system
      Result pods = shell(cluster, kubectl + " get pods -n istio-system");
      assertThat(pods.exitCode()).as(pods.toString()).isZero();
      assertThat(pods.out()).as(pods.toString())
          .containsPattern("(?m)^istiod-\\S+\\s+1/1\\s+Running")
          .containsPattern("(?m)^istio-ingressgateway-\\S+\\s+1/1\\s+Running")
          .containsPattern("(?m)^istio-egressgateway-\\S+\\s+1/1\\s+Running");

      // kubectl create namespace production; kubectl label namespace production istio-injection=enabled
      Result create = shell(cluster, kubectl + " create namespace " + APP_NAMESPACE);
      assertThat(create.out()).as(create.toString()).isEqualTo("namespace/" + APP_NAMESPACE + " created\n");
      Result label = shell(cluster, kubectl + " label namespace " + APP_NAMESPACE + " istio-injection=enabled");
      assertThat(label.out()).as(label.toString()).isEqualTo("namespace/" + APP_NAMESPACE + " labeled\n");

      // a workload there comes up with its sidecar: READY 2/2
      Result app = shell(cluster, kubectl + " -n " + APP_NAMESPACE + " create deployment web --image=registry.k8s.io/pause:3.10");
      assertThat(app.exitCode()).as(app.toString()).isZero();
      await().atMost(STEP).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        Result appPods = shell(cluster, kubectl + " get pods -n " + APP_NAMESPACE);
        assertThat(appPods.out()).as(appPods.toString()).containsPattern("(?m)^web-\\S+\\s+2/2\\s+Running");
      });
      Result containers = shell(cluster, kubectl + " get pods -n " + APP_NAMESPACE
          + " -o jsonpath={.items[0].spec.initContainers[*].name}");
      assertThat(containers.out()).as(containers.toString()).contains("istio-proxy");

      // istioctl manifest generate --set profile=demo | kubectl delete -f -
      Result generate = shell(cluster, meshctl + " manifest generate --set profile=demo");
      long documents = generate.out().lines().filter("---"::equals).count();
      Result delete = shell(cluster, meshctl + " manifest generate --set profile=demo | " + kubectl + " delete -f -");
      assertThat(delete.exitCode()).as(delete.toString()).isZero();
      assertThat(delete.err()).as(delete.toString()).isEmpty();
      assertThat(delete.out().lines()).as(delete.toString()).hasSize((int) documents)
          .allSatisfy(line -> assertThat(line).matches(".* deleted( from \\S+ namespace)?"))
          .contains("meshinstall.meshoperator.dev \"" + INSTALL + "\" deleted")
          .contains("customresourcedefinition.apiextensions.k8s.io \"virtualservices.networking.istio.io\" deleted");

      // everything the apply made for the mesh is gone (the operator and its CRD stay: 'meshctl uninstall --purge')
      // (by name: other tests' installs may share the cluster)
      assertThat(shell(cluster, kubectl + " get meshinstall " + INSTALL).err()).contains("NotFound");
      assertThat(shell(cluster, kubectl + " get crd -o name").out()).doesNotContain("istio.io");
      assertThat(shell(cluster, kubectl + " get mutatingwebhookconfigurations -o name").out())
          .doesNotContain("mesh-operator-sidecar-injector");
      assertThat(shell(cluster, kubectl + " get clusterroles,clusterrolebindings -l meshoperator.dev/install=" + INSTALL).err())
          .contains("No resources found");
      await().atMost(STEP).untilAsserted(() -> {
        Result ns = shell(cluster, kubectl + " get namespace istio-system");
        assertThat(ns.err()).as(ns.toString()).contains("NotFound");
      });
      // the injected workload stays, as after Istio's delete, until it is restarted
      assertThat(shell(cluster, kubectl + " get pods -n " + APP_NAMESPACE).out()).containsPattern("web-\\S+\\s+2/2");
    } finally {
      operator.destroy();
      if (!operator.waitFor(30, TimeUnit.SECONDS)) {
        operator.destroyForcibly();
      }
      cleanUp(client);
    }
  }

  /** What a failed run may leave: the MeshInstall (its finalizer needs the stopped operator), the app, deploy/. */
  private static void cleanUp(KubernetesClient client) {
    var installs = client.resources(MeshInstall.class);
    if (installs.withName(INSTALL).get() != null) {
      MergeEdits.edit(installs.withName(INSTALL), mi -> {
        mi.getMetadata().setFinalizers(null);
        return mi;
      });
      installs.withName(INSTALL).delete();
    }
    client.namespaces().withName(APP_NAMESPACE).delete();
    client.namespaces().withName(BundledManifests.OPERATOR_NAMESPACE).delete();
    client.rbac().clusterRoles().withName("mesh-operator").delete();
    client.rbac().clusterRoleBindings().withName("mesh-operator").delete();
  }

  /** One line as typed at a bash prompt (pipes included, pipefail on), with the test cluster's kubeconfig. */
  private static Result shell(TestCluster cluster, String line) throws IOException, InterruptedException {
    var builder = new ProcessBuilder("bash", "-o", "pipefail", "-c", line);
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    Path out = Files.createTempFile("walkthrough", ".out");
    Path err = Files.createTempFile("walkthrough", ".err");
    try {
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("'" + line + "' did not finish within " + STEP);
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

}
