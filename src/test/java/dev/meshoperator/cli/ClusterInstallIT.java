package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * install, verify-install and uninstall on the test cluster. The operator image cannot run here
 * (kwok fakes pods), so --wait is tested with {@code install --skip-operator} and the operator in
 * this process, as {@code meshctl operator --webhook-url-host} runs it outside a cluster.
 */
@KubeTest
class ClusterInstallIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Test
  void installWaitsVerifyFindsDeletedObjectsAndUninstallWaitsForTheFinalizer(TestCluster cluster, KubernetesClient client) {
    OperatorHarness.installCrd(client);
    String sfx = suffix();
    String operatorNs = "mesh-operator-" + sfx;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    String kc = cluster.kubeconfig().toString();
    String name = "ci-" + sfx;
    String rev = "ci" + sfx;
    String cpNs = "cp-" + sfx;
    try {
      try (OperatorProcess operator = startOperator(cluster, client, operatorNs)) {
        MeshctlRun install = MeshctlRun.of("--kubeconfig", kc, "install", "--skip-operator", "--profile", "minimal",
            "--set", "revision=" + rev, "--set", "namespace=" + cpNs, "--name", name, "--wait", "--timeout", "90s");

        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.out()).as(install.toString())
            .contains("customresourcedefinition.apiextensions.k8s.io/meshinstalls.meshoperator.dev serverside-applied")
            .contains("meshinstall/" + name + " serverside-applied (profile minimal, revision " + rev + ", namespace " + cpNs + ")")
            .contains("Deployment/istiod-" + rev + ": 1/1 ready")
            .contains("webhook mesh-operator-sidecar-injector-" + rev + ": Ready")
            .containsPattern("meshinstall/" + name + " is Ready after [0-9.]+s")
            .doesNotContain("deployment.apps/mesh-operator ");
        assertThat(client.resources(MeshInstall.class).withName(name).get().getMetadata().getManagedFields())
            .anySatisfy(f -> assertThat(f.getManager()).isEqualTo("meshctl"));

        MeshctlRun verify = MeshctlRun.of("--kubeconfig", kc, "verify-install", "--name", name);
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).as(verify.toString())
            .contains("MeshInstall " + name + " (profile minimal, revision " + rev + ", namespace " + cpNs + "): Ready")
            .containsPattern("COMPONENT\\s+NAMESPACE\\s+DESIRED\\s+READY\\s+STATE")
            .containsPattern("Deployment/istiod-" + rev + "\\s+" + cpNs + "\\s+1\\s+1\\s+Ready")
            .contains("webhook: MutatingWebhookConfiguration mesh-operator-sidecar-injector-" + rev + " Ready")
            .containsPattern("objects: (\\d+) of \\1 rendered objects exist")
            .contains("meshinstall/" + name + " verified");

        JsonNode json = Yaml.tree(MeshctlRun.of("--kubeconfig", kc, "verify-install", "--name", name, "-o", "json").out());
        assertThat(json.get(0).path("meshInstall").asText()).isEqualTo(name);
        assertThat(json.get(0).path("missingObjects")).isEmpty();

        // Another install of the same revision: the operator refuses it, and --wait says why.
        MeshctlRun conflict = MeshctlRun.of("--kubeconfig", kc, "install", "--skip-operator", "--profile", "minimal",
            "--set", "revision=" + rev, "--set", "namespace=" + cpNs, "--name", name + "-2", "--wait", "--timeout", "10s");
        assertThat(conflict.exitCode()).as(conflict.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(conflict.out()).as(conflict.toString()).contains("state: Conflict").contains("not reconciled: Conflict: ");
        assertThat(conflict.err().lines()).as(conflict.toString()).hasSize(2).first().asString()
            .startsWith("meshctl: error: meshinstall/" + name + "-2 is not Ready after 10.0s: not reconciled: Conflict: ");
        assertThat(MeshctlRun.of("--kubeconfig", kc, "uninstall", "--name", name + "-2").exitCode()).isZero();
      }

      // With the operator stopped nothing repairs a deleted object; verify-install names it.
      client.configMaps().inNamespace(cpNs).withName("istio-" + rev).delete();
      await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(cpNs).withName("istio-" + rev).get() == null);
      MeshctlRun broken = MeshctlRun.of("--kubeconfig", kc, "verify-install", "--name", name);
      assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(broken.out()).as(broken.toString()).contains("  missing: ConfigMap " + cpNs + "/istio-" + rev)
          .contains("meshinstall/" + name + " has problems");
      assertThat(broken.err().lines()).hasSize(2).first().asString()
          .startsWith("meshctl: error: meshinstall/" + name + ": 1 of ")
          .contains("objects missing (ConfigMap " + cpNs + "/istio-" + rev + ")");

      try (OperatorProcess operator = startOperator(cluster, client, operatorNs)) {
        MeshctlRun uninstall = MeshctlRun.of("--kubeconfig", kc, "uninstall", "--name", name, "--timeout", "90s");
        assertThat(uninstall.exitCode()).as(uninstall.toString()).isZero();
        assertThat(uninstall.out()).as(uninstall.toString())
            .contains("meshinstall/" + name + " deleting: the operator removes what it installed")
            .contains("finalizers: meshoperator.dev/uninstall")
            .containsPattern("meshinstall/" + name + " deleted after [0-9.]+s");
        assertThat(client.resources(MeshInstall.class).withName(name).get()).isNull();
        assertThat(client.apps().deployments().inNamespace(cpNs).withName("istiod-" + rev).get()).isNull();
      }

      MeshctlRun again = MeshctlRun.of("--kubeconfig", kc, "uninstall", "--name", name);
      assertThat(again.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(again.err().lines()).containsExactly("meshctl: error: MeshInstall " + name + " not found in " + client.getMasterUrl().toString().replaceAll("/$", ""),
          "hint: list them with: kubectl get meshinstalls");
      MeshctlRun verifyGone = MeshctlRun.of("--kubeconfig", kc, "verify-install", "--name", name);
      assertThat(verifyGone.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(verifyGone.err()).startsWith("meshctl: error: MeshInstall " + name + " not found");
    } finally {
      client.resources(MeshInstall.class).withName(name).delete();
      client.resources(MeshInstall.class).withName(name + "-2").delete();
      client.namespaces().withName(operatorNs).delete();
    }
  }

  @Test
  void installAppliesTheOperatorFromDeployAndUninstallPurgeRemovesItAndTheCrd(TestCluster cluster, KubernetesClient client) {
    var crds = client.apiextensions().v1().customResourceDefinitions();
    CustomResourceDefinition crdBefore = crds.withName(MeshInstall.CRD_NAME).get();
    String sfx = suffix();
    String kc = cluster.kubeconfig().toString();
    String name = "op-" + sfx;
    try {
      MeshctlRun install = MeshctlRun.of("--kubeconfig", kc, "install", "--profile", "minimal", "--name", name,
          "--set", "revision=op" + sfx, "--set", "namespace=op-" + sfx, "--operator-image", "example.com/mesh-operator:it");

      assertThat(install.exitCode()).as(install.toString()).isZero();
      assertThat(install.out()).as(install.toString()).contains(
          "namespace/mesh-operator serverside-applied",
          "serviceaccount/mesh-operator serverside-applied",
          "clusterrole.rbac.authorization.k8s.io/mesh-operator serverside-applied",
          "role.rbac.authorization.k8s.io/mesh-operator serverside-applied",
          "deployment.apps/mesh-operator serverside-applied",
          "service/mesh-operator serverside-applied",
          "poddisruptionbudget.policy/mesh-operator serverside-applied",
          "meshinstall/" + name + " serverside-applied",
          "follow with: meshctl verify-install --name " + name);
      var deployment = client.apps().deployments().inNamespace("mesh-operator").withName("mesh-operator").get();
      assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .isEqualTo("example.com/mesh-operator:it");
      assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);

      // kwok's pods run no operator: nothing adds a finalizer, so deletion is immediate.
      MeshctlRun purge = MeshctlRun.of("--kubeconfig", kc, "uninstall", "--purge", "--timeout", "60s");
      assertThat(purge.exitCode()).as(purge.toString()).isZero();
      assertThat(purge.out()).as(purge.toString()).contains(
          "meshinstall/" + name + " deleted after",
          "deployment.apps/mesh-operator deleted",
          "clusterrolebinding.rbac.authorization.k8s.io/mesh-operator deleted",
          "namespace/mesh-operator deleted",
          "customresourcedefinition.apiextensions.k8s.io/meshinstalls.meshoperator.dev deleted");
      assertThat(client.rbac().clusterRoles().withName("mesh-operator").get()).isNull();
      await().atMost(TIMEOUT).until(() -> crds.withName(MeshInstall.CRD_NAME).get() == null);

      MeshctlRun nothing = MeshctlRun.of("--kubeconfig", kc, "uninstall");
      assertThat(nothing.exitCode()).as(nothing.toString()).isZero();
      assertThat(nothing.out()).contains("nothing installed: the MeshInstall CRD is not in https://127.0.0.1:");
      MeshctlRun verify = MeshctlRun.of("--kubeconfig", kc, "verify-install");
      assertThat(verify.exitCode()).isEqualTo(ExitCodes.FAILURE);
      assertThat(verify.err()).startsWith("meshctl: error: nothing installed: the MeshInstall CRD is not in ");
    } finally {
      client.resources(MeshInstall.class).withName(name).delete();
      client.namespaces().withName("mesh-operator").delete();
      client.rbac().clusterRoles().withName("mesh-operator").delete();
      client.rbac().clusterRoleBindings().withName("mesh-operator").delete();
      // The CRD is shared by the other tests: put it back as found.
      if (crdBefore != null) {
        await().atMost(TIMEOUT).until(() -> crds.withName(MeshInstall.CRD_NAME).get() == null);
        OperatorHarness.installCrd(client);
      }
    }
  }

  private static OperatorProcess startOperator(TestCluster cluster, KubernetesClient client, String operatorNs) {
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    try (var asServiceAccount = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client).client("mesh-operator-cli-it")) {
      // OperatorProcess builds a client of its own from this one's configuration (the token).
      return OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook, Optional.empty(),
          "mesh-operator-cli-it", FailurePolicy.Fail));
    }
  }

  static String suffix() {
    return Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
  }

}
