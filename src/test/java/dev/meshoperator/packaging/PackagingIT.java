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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaging on the real test cluster: deploy/ with kubectl, the chart with Helm, examples/
 * with kubectl. No operator runs here (the image is never pulled: kwok's fake nodes mark pods
 * Running), so this proves the API server accepts every object, including Pod Security admission
 * of the operator's pods and the CRD schema's checks of every example.
 *
 * <p>deploy/ and the chart create the MeshInstall CRD, which other tests share: see {@link SharedCrd}.
 */
@KubeTest
class PackagingIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @Test
  void kubectlApplyDeployDirRunsTheOperatorAndDeleteRemovesIt(TestCluster cluster, KubernetesClient client) {
    SharedCrd crd = SharedCrd.take(client);
    try {
      String out = cluster.kubectl(List.of("apply", "--validate=strict", "-f", Manifests.DEPLOY.toString()));
      assertThat(out).contains("namespace/mesh-operator", "deployment.apps/mesh-operator",
          "clusterrole.rbac.authorization.k8s.io/mesh-operator", "poddisruptionbudget.policy/mesh-operator");

      awaitEstablished(client);
      // The restricted Pod Security Standard is enforced on the namespace, so Running pods mean the
      // pod template passed it; kwok's fake nodes stand in for the kubelet.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        Deployment d = client.apps().deployments().inNamespace("mesh-operator").withName("mesh-operator").get();
        // Pod Security rejections show up as a ReplicaFailure condition in the status.
        assertThat(d.getStatus().getAvailableReplicas()).as("status %s", d.getStatus()).isEqualTo(2);
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

      // The bindings reach the ServiceAccount: the API server's own authorizer answers.
      String sa = "system:serviceaccount:mesh-operator:mesh-operator";
      assertThat(allowed(client, sa, "update", "meshoperator.dev", "meshinstalls/status", null)).isTrue();
      // It creates and binds istiod's roles by holding their rules, never by escalate or bind.
      assertThat(allowed(client, sa, "escalate", "rbac.authorization.k8s.io", "clusterroles", null)).isFalse();
      assertThat(allowed(client, sa, "bind", "rbac.authorization.k8s.io", "clusterroles", null)).isFalse();
      assertThat(allowed(client, sa, "create", "rbac.authorization.k8s.io", "clusterrolebindings", null)).isTrue();
      assertThat(allowed(client, sa, "create", "apps", "deployments", "istio-system")).isTrue();
      assertThat(allowed(client, sa, "update", "coordination.k8s.io", "leases", "mesh-operator")).isTrue();
      // istiod's Role (leader election in its namespace) needs leases, so the operator holds them too.
      assertThat(allowed(client, sa, "update", "coordination.k8s.io", "leases", "istio-system")).isTrue();
      assertThat(allowed(client, sa, "delete", "", "pods", "istio-system")).isFalse();
      assertThat(allowed(client, sa, "create", "meshoperator.dev", "meshinstalls", null)).isFalse();
    } finally {
      // Everything but the shared CRD, which restore() deletes or puts back as it was.
      List<String> delete = new ArrayList<>(List.of("delete", "--ignore-not-found", "--wait=false"));
      for (Path file : Manifests.yamlFiles(Manifests.DEPLOY)) {
        if (!file.getFileName().toString().equals("01-crd.yaml")) {
          delete.add("-f");
          delete.add(file.toString());
        }
      }
      cluster.kubectl(delete);
      crd.restore();
    }
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(client.namespaces().withName("mesh-operator").get()).isNull();
      assertThat(client.rbac().clusterRoles().withName("mesh-operator").get()).isNull();
      assertThat(client.rbac().clusterRoleBindings().withName("mesh-operator").get()).isNull();
      assertThat(crd(client) != null).isEqualTo(crd.existed());
    });
  }

  @Test
  void helmInstallsTheChartAndUninstallsItKeepingTheCrd(TestCluster cluster, KubernetesClient client) {
    String release = "mo-" + System.nanoTime() % 100000;
    String ns = release;
    SharedCrd crd = SharedCrd.take(client);
    try {
      installAndUninstall(cluster, client, crd, release, ns);
      // helm.sh/resource-policy: keep: the CRD (and every MeshInstall) survives helm uninstall.
      assertThat(crd(client)).isNotNull();
    } finally {
      crd.restore();
    }
  }

  @Test
  void helmAdoptsACrdInstalledEarlierAndLeavesItAsItWas(TestCluster cluster, KubernetesClient client)
      throws Exception {
    SharedCrd outer = SharedCrd.take(client);
    try {
      if (!outer.existed()) {
        applyCrdServerSide(client);
      }
      awaitEstablished(client);
      String release = "mo-adopt-" + System.nanoTime() % 100000;
      SharedCrd shared = SharedCrd.take(client);
      try {
        installAndUninstall(cluster, client, shared, release, release);
      } finally {
        shared.restore();
      }
      // Other tests' server-side apply (without force) still works: Helm left no field managers
      // that conflict with it.
      applyCrdServerSide(client);
      assertThat(crd(client).getMetadata().getAnnotations()).isNullOrEmpty();
    } finally {
      outer.restore();
    }
  }

  private static void applyCrdServerSide(KubernetesClient client) throws Exception {
    try (var in = java.nio.file.Files.newInputStream(Manifests.CRD)) {
      CustomResourceDefinition file = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      // The field manager the other end-to-end tests apply the CRD with, without force: a field
      // left owned by Helm would make this conflict.
      client.apiextensions().v1().customResourceDefinitions().resource(file)
          .fieldManager("mesh-operator-test").serverSideApply();
    }
  }

  private void installAndUninstall(TestCluster cluster, KubernetesClient client, SharedCrd crd,
      String release, String ns) {
    if (crd.existed()) {
      // Let this release adopt the shared CRD (Helm's documented ownership metadata) instead of
      // deleting it under other tests; restore() puts the CRD back as it was.
      crd.handOverToHelm(release, ns);
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
  }

  @Test
  void everyExampleIsAcceptedByTheApiServer(TestCluster cluster, KubernetesClient client) {
    SharedCrd crd = SharedCrd.take(client);
    try {
      if (!crd.existed()) {
        cluster.kubectl(List.of("apply", "-f", Manifests.CRD.toString()));
      }
      awaitEstablished(client);
      List<Path> files = Manifests.yamlFiles(Manifests.EXAMPLES);
      assertThat(files).hasSize(8);
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
      crd.restore();
    }
  }

  @Test
  void remoteExampleWithoutAddressIsRefusedByTheSchema(TestCluster cluster, KubernetesClient client) {
    SharedCrd crd = SharedCrd.take(client);
    try {
      if (!crd.existed()) {
        cluster.kubectl(List.of("apply", "-f", Manifests.CRD.toString()));
      }
      awaitEstablished(client);
      GenericKubernetesResource remote = Manifests.parse(Manifests.EXAMPLES.resolve("meshinstall-remote.yaml"))
          .stream().map(o -> client.getKubernetesSerialization().convertValue(o, GenericKubernetesResource.class))
          .findFirst().orElseThrow();
      remote.setAdditionalProperty("spec", Map.of("profile", "remote"));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.resource(remote).dryRun().create())
          .hasMessageContaining("remote.address");
    } finally {
      crd.restore();
    }
  }

  private static boolean allowed(KubernetesClient client, String user, String verb, String group,
      String resource, String namespace) {
    String[] parts = resource.split("/", 2);
    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(parts[0])
        .withSubresource(parts.length > 1 ? parts[1] : null).withNamespace(namespace)
        .endResourceAttributes().endSpec().build();
    return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  private static CustomResourceDefinition crd(KubernetesClient client) {
    return client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).get();
  }

  private static void awaitEstablished(KubernetesClient client) {
    await().atMost(TIMEOUT).until(() -> {
      CustomResourceDefinition crd = crd(client);
      return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
          && crd.getStatus().getConditions().stream()
          .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    });
  }

  /**
   * The MeshInstall CRD as this test found it. Tests share it, so a test that found it leaves it as
   * it was, ownership included: a later server-side apply by another test must not meet field
   * managers (kubectl, Helm) this test added. A test that did not find it deletes it.
   */
  private record SharedCrd(KubernetesClient client, CustomResourceDefinition before) {
    static SharedCrd take(KubernetesClient client) {
      return new SharedCrd(client, crd(client));
    }

    boolean existed() {
      return before != null;
    }

    /** Helm's documented ownership metadata, so that a release can adopt the existing CRD. */
    void handOverToHelm(String release, String namespace) {
      client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).edit(crd -> {
        crd.getMetadata().setAnnotations(new HashMap<>(orEmpty(crd.getMetadata().getAnnotations())));
        crd.getMetadata().setLabels(new HashMap<>(orEmpty(crd.getMetadata().getLabels())));
        crd.getMetadata().getAnnotations().put("meta.helm.sh/release-name", release);
        crd.getMetadata().getAnnotations().put("meta.helm.sh/release-namespace", namespace);
        crd.getMetadata().getLabels().put("app.kubernetes.io/managed-by", "Helm");
        return crd;
      });
    }

    void restore() {
      var crds = client.apiextensions().v1().customResourceDefinitions();
      if (before == null) {
        crds.withName(MeshInstall.CRD_NAME).delete();
        await().atMost(TIMEOUT).until(() -> crd(client) == null);
        return;
      }
      // The spec is the same file's content; only metadata and field ownership changed.
      crds.withName(MeshInstall.CRD_NAME).edit(crd -> {
        crd.getMetadata().setAnnotations(before.getMetadata().getAnnotations());
        crd.getMetadata().setLabels(before.getMetadata().getLabels());
        crd.getMetadata().setManagedFields(before.getMetadata().getManagedFields());
        crd.setSpec(before.getSpec());
        return crd;
      });
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
      return map == null ? Map.of() : map;
    }
  }
}
