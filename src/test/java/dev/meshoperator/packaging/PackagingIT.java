package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaging on the real test cluster: deploy/ with kubectl, the chart with Helm, examples/
 * with kubectl. No operator runs here (the image is never pulled: kwok's fake nodes mark pods
 * Running), so this proves the API server accepts every object, including Pod Security admission
 * of the operator's pods and the CRD schema's checks of every example.
 *
 * <p>deploy/ and the chart create the MeshInstall CRD, which other tests share. A CRD that existed
 * before a test is left in place (updated to the same content, never deleted); one a test created
 * is deleted at its end.
 */
@KubeTest
class PackagingIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @Test
  void kubectlApplyDeployDirRunsTheOperatorAndDeleteRemovesIt(TestCluster cluster, KubernetesClient client) {
    boolean crdExisted = crd(client) != null;
    try {
      String out = cluster.kubectl(List.of("apply", "--validate=strict", "-f", Manifests.DEPLOY.toString()));
      assertThat(out).contains("namespace/mesh-operator", "deployment.apps/mesh-operator",
          "clusterrole.rbac.authorization.k8s.io/mesh-operator", "poddisruptionbudget.policy/mesh-operator");

      awaitEstablished(client);
      // The restricted Pod Security Standard is enforced on the namespace, so Running pods mean the
      // pod template passed it; kwok's fake nodes stand in for the kubelet.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        Deployment d = client.apps().deployments().inNamespace("mesh-operator").withName("mesh-operator").get();
        assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
      });
      List<Pod> pods = client.pods().inNamespace("mesh-operator").list().getItems();
      assertThat(pods).hasSize(2).allSatisfy(p -> {
        assertThat(p.getStatus().getPhase()).isEqualTo("Running");
        assertThat(p.getSpec().getNodeName()).isIn(cluster.nodeNames());
        assertThat(p.getSpec().getServiceAccountName()).isEqualTo("mesh-operator");
      });
      assertThat(client.services().inNamespace("mesh-operator").withName("mesh-operator").get()).isNotNull();
      assertThat(client.rbac().roles().inNamespace("mesh-operator").withName("mesh-operator").get()).isNotNull();
      assertThat(client.rbac().clusterRoleBindings().withName("mesh-operator").get()).isNotNull();
      assertThat(client.policy().v1().podDisruptionBudget().inNamespace("mesh-operator")
          .withName("mesh-operator").get().getStatus().getCurrentHealthy()).isNotNull();
    } finally {
      List<String> delete = new ArrayList<>(List.of("delete", "--ignore-not-found", "--wait=false"));
      for (Path file : Manifests.yamlFiles(Manifests.DEPLOY)) {
        if (crdExisted && file.getFileName().toString().equals("01-crd.yaml")) {
          continue;
        }
        delete.add("-f");
        delete.add(file.toString());
      }
      cluster.kubectl(delete);
    }
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(client.namespaces().withName("mesh-operator").get()).isNull();
      assertThat(client.rbac().clusterRoles().withName("mesh-operator").get()).isNull();
      assertThat(client.rbac().clusterRoleBindings().withName("mesh-operator").get()).isNull();
      assertThat(crd(client) != null).isEqualTo(crdExisted);
    });
  }

  @Test
  void helmInstallsTheChartAndUninstallsItKeepingTheCrd(TestCluster cluster, KubernetesClient client) {
    String release = "mo-" + System.nanoTime() % 100000;
    String ns = release;
    CustomResourceDefinition before = crd(client);
    if (before != null) {
      // Let this release adopt the shared CRD (Helm's documented ownership metadata) instead of
      // deleting it under other tests; the ownership is removed again below.
      setHelmOwnership(client, release, ns);
    }
    try {
      Release installed = new Helm(Manifests.CHART).install()
          .withName(release).withNamespace(ns).createNamespace()
          .withKubeConfig(cluster.kubeconfig())
          .set("webhook.failurePolicy", "Ignore")
          .waitReady().withTimeout((int) TIMEOUT.toSeconds())
          .call();
      assertThat(installed.getStatus()).isEqualTo("deployed");
      assertThat(installed.getOutput()).contains("kubectl apply -f examples/meshinstall-demo.yaml");

      String fullname = release + "-mesh-operator";
      Deployment d = client.apps().deployments().inNamespace(ns).withName(fullname).get();
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
          .contains("--default-failure-policy=Ignore", "--leader-election");
      assertThat(client.rbac().clusterRoles().withName(fullname).get()).isNotNull();
      assertThat(client.rbac().clusterRoleBindings().withName(fullname).get().getSubjects().get(0).getNamespace())
          .isEqualTo(ns);
      assertThat(client.services().inNamespace(ns).withName(fullname).get()).isNotNull();
      assertThat(client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(fullname).get()).isNotNull();
      awaitEstablished(client);
      assertThat(crd(client).getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    } finally {
      String out = Helm.uninstall(release).withNamespace(ns).withKubeConfig(cluster.kubeconfig())
          .ignoreNotFound().call();
      assertThat(out).contains(release);
      client.namespaces().withName(ns).delete();
    }

    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(client.rbac().clusterRoles().withName(release + "-mesh-operator").get()).isNull();
      assertThat(client.namespaces().withName(ns).get()).isNull();
    });
    // helm.sh/resource-policy: keep — the CRD (and every MeshInstall) survives helm uninstall.
    assertThat(crd(client)).isNotNull();
    if (before == null) {
      client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).delete();
      await().atMost(TIMEOUT).until(() -> crd(client) == null);
    } else {
      clearHelmOwnership(client);
    }
  }

  @Test
  void everyExampleIsAcceptedByTheApiServer(TestCluster cluster, KubernetesClient client) {
    boolean crdExisted = crd(client) != null;
    if (!crdExisted) {
      cluster.kubectl(List.of("apply", "-f", Manifests.CRD.toString()));
    }
    awaitEstablished(client);
    try {
      List<Path> files = Manifests.yamlFiles(Manifests.EXAMPLES);
      assertThat(files).hasSize(7);
      for (Path file : files) {
        List<HasMetadata> objects = Manifests.parse(file);
        try {
          // Strict validation: a misspelled field is an error, not silently dropped.
          cluster.kubectl(List.of("apply", "--validate=strict", "-f", file.toString()));
          for (HasMetadata o : objects) {
            assertThat(client.resource(o).get()).as("%s from %s", o.getMetadata().getName(), file).isNotNull();
          }
          if (file.getFileName().toString().equals("sample-app.yaml")) {
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.apps().deployments()
                .inNamespace("sample").withName("httpbin").get().getStatus().getAvailableReplicas()).isEqualTo(1));
          }
        } finally {
          cluster.kubectl(List.of("delete", "--ignore-not-found", "--wait=false", "-f", file.toString()));
        }
      }
      await().atMost(TIMEOUT).untilAsserted(() -> {
        assertThat(client.resources(MeshInstall.class).list().getItems())
            .extracting(m -> m.getMetadata().getName())
            .doesNotContain("default", "demo", "minimal", "remote", "empty", "canary");
        assertThat(client.namespaces().withName("sample").get()).isNull();
      });
    } finally {
      if (!crdExisted) {
        client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).delete();
        await().atMost(TIMEOUT).until(() -> crd(client) == null);
      }
    }
  }

  @Test
  void remoteExampleWithoutAddressIsRefusedByTheSchema(TestCluster cluster, KubernetesClient client) {
    boolean crdExisted = crd(client) != null;
    if (!crdExisted) {
      cluster.kubectl(List.of("apply", "-f", Manifests.CRD.toString()));
    }
    awaitEstablished(client);
    try {
      GenericKubernetesResource remote = Manifests.parse(Manifests.EXAMPLES.resolve("meshinstall-remote.yaml"))
          .stream().map(o -> client.getKubernetesSerialization().convertValue(o, GenericKubernetesResource.class))
          .findFirst().orElseThrow();
      remote.setAdditionalProperty("spec", Map.of("profile", "remote"));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.resource(remote).dryRun().create())
          .hasMessageContaining("remote.address");
    } finally {
      if (!crdExisted) {
        client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).delete();
        await().atMost(TIMEOUT).until(() -> crd(client) == null);
      }
    }
  }

  private static CustomResourceDefinition crd(KubernetesClient client) {
    return client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).get();
  }

  private static void awaitEstablished(KubernetesClient client) {
    await().atMost(TIMEOUT).until(() -> {
      CustomResourceDefinition crd = crd(client);
      return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
          .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    });
  }

  private static void setHelmOwnership(KubernetesClient client, String release, String ns) {
    client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).edit(crd -> {
      if (crd.getMetadata().getAnnotations() == null) {
        crd.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      if (crd.getMetadata().getLabels() == null) {
        crd.getMetadata().setLabels(new java.util.HashMap<>());
      }
      crd.getMetadata().getAnnotations().put("meta.helm.sh/release-name", release);
      crd.getMetadata().getAnnotations().put("meta.helm.sh/release-namespace", ns);
      crd.getMetadata().getLabels().put("app.kubernetes.io/managed-by", "Helm");
      return crd;
    });
  }

  private static void clearHelmOwnership(KubernetesClient client) {
    client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).edit(crd -> {
      if (crd.getMetadata().getAnnotations() != null) {
        crd.getMetadata().getAnnotations().keySet().removeIf(k -> k.startsWith("meta.helm.sh/"));
      }
      if (crd.getMetadata().getLabels() != null) {
        crd.getMetadata().getLabels().remove("app.kubernetes.io/managed-by");
      }
      return crd;
    });
  }
}
