package dev.meshoperator.cli;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.operator.OperatorProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.MeshInstallReconciler;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.reconcile.Permission;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The operator under the identity users give it: deploy/'s ServiceAccount cannot escalate or bind,
 * a permission taken away is reported rather than fatal, the Helm chart's RBAC runs a whole install,
 * and two replicas under leader election split the work (one reconciles, both serve the webhook).
 */
@KubeTest
class OperatorServiceAccountIT {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();

  @Test
  void serviceAccountMayNotEscalateBindOrImpersonate(TestCluster cluster, KubernetesClient client) {
    OperatorIdentity identity = OperatorIdentity.fromDeploy(client);
    // What `kubectl auth can-i VERB RESOURCE --as=system:serviceaccount:mesh-operator:mesh-operator` asks.
    assertThat(canI(client, identity, "escalate", "rbac.authorization.k8s.io", "clusterroles")).isFalse();
    assertThat(canI(client, identity, "bind", "rbac.authorization.k8s.io", "clusterroles")).isFalse();
    assertThat(canI(client, identity, "escalate", "rbac.authorization.k8s.io", "roles")).isFalse();
    assertThat(canI(client, identity, "bind", "rbac.authorization.k8s.io", "roles")).isFalse();
    assertThat(canI(client, identity, "impersonate", "", "users")).isFalse();
    assertThat(canI(client, identity, "impersonate", "", "serviceaccounts")).isFalse();
    // Positive control: the same question answers yes for what it holds.
    assertThat(canI(client, identity, "create", "rbac.authorization.k8s.io", "clusterrolebindings")).isTrue();
    assertThat(canI(client, identity, "list", "admissionregistration.k8s.io", "validatingwebhookconfigurations")).isTrue();
    // kubectl says the same.
    assertThat(canIWithKubectl(cluster, "escalate", "clusterroles", identity)).isEqualTo("no");
    assertThat(canIWithKubectl(cluster, "bind", "clusterroles", identity)).isEqualTo("no");
    assertThat(canIWithKubectl(cluster, "create", "clusterrolebindings", identity)).isEqualTo("yes");
  }

  @Test
  void withoutBindItBindsRolesWhoseRulesItHoldsButNotClusterAdmin(KubernetesClient client) {
    String sfx = suffix();
    // The user agent tells PermissionReportIT that the refusal below is on purpose.
    try (KubernetesClient asOperator = OperatorIdentity.fromDeploy(client).client("denial-probe/" + sfx)) {
      // Like istiod's ClusterRole and binding: rules the operator holds, so RBAC lets it.
      ClusterRole role = new ClusterRoleBuilder().withNewMetadata().withName("sa-it-" + sfx).endMetadata()
          .addNewRule().withApiGroups("").withResources("pods", "nodes").withVerbs("get", "list", "watch").endRule()
          .build();
      asOperator.resource(role).create();
      asOperator.resource(binding("sa-it-" + sfx, "sa-it-" + sfx)).create();
      assertThat(client.rbac().clusterRoleBindings().withName("sa-it-" + sfx).get()).isNotNull();
      // Binding cluster-admin (rules it does not hold) is refused: no bind, no escalation.
      var refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          () -> asOperator.resource(binding("sa-it-admin-" + sfx, "cluster-admin")).create(),
          io.fabric8.kubernetes.client.KubernetesClientException.class);
      assertThat(refused).isNotNull();
      assertThat(refused.getCode()).isEqualTo(403);
    } finally {
      client.rbac().clusterRoleBindings().withName("sa-it-" + sfx).delete();
      client.rbac().clusterRoleBindings().withName("sa-it-admin-" + sfx).delete();
      client.rbac().clusterRoles().withName("sa-it-" + sfx).delete();
    }
  }

  @Test
  void aMissingPermissionIsNamedInStatusAndDoesNotStopTheOperator(KubernetesClient client) {
    OperatorHarness.installCrd(client);
    String sfx = suffix();
    String ns = "reduced-" + sfx;
    String name = "reduced-" + sfx;
    // deploy/'s ClusterRole without validatingwebhookconfigurations: the kind whose informer used
    // to stop the operator at start.
    ClusterRole full = loadDeploy(client).stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .findFirst().orElseThrow();
    ClusterRole reduced = new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
        .withRules(full.getRules().stream().map(r -> new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder(r)
            .withResources(r.getResources().stream().filter(x -> !x.equals("validatingwebhookconfigurations")).toList()).build())
            .filter(r -> !r.getResources().isEmpty()).toList())
        .build();
    ServiceAccount sa = new ServiceAccountBuilder().withNewMetadata().withName("operator").withNamespace(ns).endMetadata().build();
    List<HasMetadata> objects = List.of(
        new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build(), sa, reduced,
        new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(name).endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName("operator").withNamespace(ns).endSubject().build());
    var installs = client.resources(MeshInstall.class);
    try (OperatorHarness operator = OperatorHarness.start(OperatorIdentity.of(client, objects), new MeshInstallReconciler(List.of()))) {
      installs.resource(KUBE.unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: r%s, namespace: cp-%s}
          """.formatted(name, sfx, sfx), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        var reconciled = current.getStatus().getConditions().stream()
            .filter(c -> MeshInstallStatus.RECONCILED.equals(c.getType())).findFirst().orElseThrow();
        assertThat(reconciled.getStatus()).isEqualTo("False");
        assertThat(reconciled.getReason()).isEqualTo(Permission.REASON_MISSING);
        // Without that permission it may not create istiod's ClusterRole either (it grants
        // validatingwebhookconfigurations): RBAC's escalation check, named in the API server's words.
        assertThat(reconciled.getMessage()).startsWith("missing permission: ")
            .contains("istiod-clusterrole-r" + sfx).contains("validatingwebhookconfigurations").doesNotContain("\n");
        // The operator kept running and applied what comes before the ClusterRole.
        assertThat(client.serviceAccounts().inNamespace("cp-" + sfx).withName("istiod-r" + sfx).get()).isNotNull();
      });
      installs.withName(name).delete();
      // Uninstall cannot see whether webhook configurations are left (it may not list them), so the
      // finalizer stays and status says why, until the permission comes back or a user forces it.
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(dev.meshoperator.api.MeshState.Deleting);
        assertThat(current.getStatus().getConditions()).anyMatch(c -> c.getMessage() != null
            && c.getMessage().contains("validatingwebhookconfigurations"));
      });
      // What `meshctl uninstall --force` does once the user has read that.
      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getMetadata().setFinalizers(null);
        return mi;
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
    } finally {
      installs.withName(name).delete();
      client.rbac().clusterRoleBindings().withName(name).delete();
      client.rbac().clusterRoles().withName(name).delete();
      client.namespaces().withName(ns).delete();
    }
  }

  @Test
  void helmChartRbacRunsAWholeInstallInjectionAndUninstall(TestCluster cluster, KubernetesClient client, TestNamespace app) {
    OperatorHarness.installCrd(client);
    String sfx = suffix();
    String release = "helm-" + sfx;
    String operatorNs = "helm-op-" + sfx;
    Path chart = Path.of(System.getProperty("mesh.basedir", "."), "deploy", "helm", "mesh-operator");
    String rendered = new Helm(chart).template().withName(release).withNamespace(operatorNs).withKubeVersion("v1.28.0").call();
    List<HasMetadata> rbac = new ArrayList<>();
    rbac.add(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build());
    for (HasMetadata o : client.load(new java.io.ByteArrayInputStream(rendered.getBytes(java.nio.charset.StandardCharsets.UTF_8))).items()) {
      if (o instanceof ServiceAccount || o instanceof ClusterRole || o instanceof ClusterRoleBinding
          || o instanceof Role || o instanceof RoleBinding) {
        if (!(o instanceof ClusterRole || o instanceof ClusterRoleBinding)) {
          o.getMetadata().setNamespace(operatorNs);
        }
        rbac.add(o);
      }
    }
    OperatorIdentity identity = OperatorIdentity.of(client, rbac);
    assertThat(identity.user()).isEqualTo("system:serviceaccount:" + operatorNs + ":" + release + "-mesh-operator");
    String revision = "h" + sfx;
    String name = "helm-" + sfx;
    var installs = client.resources(MeshInstall.class);
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    try (var asServiceAccount = identity.client("helm-it");
        var operator = OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook,
            Optional.of("helm-it-" + sfx), "helm-it/" + sfx, FailurePolicy.Fail))) {
      installs.resource(KUBE.unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: demo, revision: %s, namespace: cp-%s}
          """.formatted(name, revision, sfx), MeshInstall.class)).create();
      client.namespaces().withName(app.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).as("%s", current.getStatus().getConditions()).isEqualTo(MeshState.Ready);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
      });
      Pod pod = client.pods().inNamespace(app.name()).resource(new PodBuilder().withNewMetadata().withName("app").endMetadata()
          .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer().endSpec()
          .build()).create();
      assertThat(pod.getSpec().getInitContainers()).extracting(c -> c.getName()).contains("istio-proxy");

      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(installs.withName(name).get()).isNull();
        assertThat(client.rbac().clusterRoles().withLabel(Labels.INSTALL, name).list().getItems()).isEmpty();
        assertThat(client.apps().deployments().inAnyNamespace().withLabel(Labels.INSTALL, name).list().getItems()).isEmpty();
      });
    } finally {
      installs.withName(name).delete();
      rbac.stream().filter(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding).forEach(o -> client.resource(o).delete());
      client.namespaces().withName(operatorNs).delete();
    }
  }

  @Test
  void twoReplicasUnderLeaderElectionOneReconcilesBothServeTheWebhook(TestCluster cluster, KubernetesClient client) throws Exception {
    OperatorHarness.installCrd(client);
    String sfx = suffix();
    String operatorNs = "le-" + sfx;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    OperatorIdentity identity = OperatorIdentity.fromDeploy(client);
    String name = "le-" + sfx;
    var installs = client.resources(MeshInstall.class);
    List<OperatorProcess> replicas = new ArrayList<>();
    List<KubernetesClient> clients = new ArrayList<>();
    try {
      for (String replica : List.of("a", "b")) {
        int port = Ports.free();
        var webhook = WebhookRuntime.Options.defaults(operatorNs)
            .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(Ports.free());
        KubernetesClient base = identity.client("le-it");
        clients.add(base);
        replicas.add(OperatorProcess.start(base, new OperatorProcess.Options(webhook, Optional.of(name + "-" + replica),
            "le-it-" + replica + "/" + sfx, FailurePolicy.Fail)));
      }
      installs.resource(KUBE.unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: le%s, namespace: cp-%s}
          """.formatted(name, sfx, sfx), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
      });
      Lease lease = client.leases().inNamespace(operatorNs).withName(OperatorProcess.LEASE_NAME).get();
      String leader = lease.getSpec().getHolderIdentity();
      assertThat(leader).isIn(name + "-a", name + "-b");
      // Only the leader applied the control plane: the other replica's user agent wrote no Deployment.
      if (cluster instanceof dev.meshoperator.testenv.LocalTestCluster local) {
        String follower = leader.endsWith("-a") ? "b" : "a";
        String leaderAgent = "le-it-" + leader.substring(leader.length() - 1) + "/" + sfx;
        assertThat(dev.meshoperator.reconcile.AuditLog.writesBy(local.auditLog(), leaderAgent))
            .anyMatch(w -> w.contains("/deployments/istiod-le" + sfx));
        assertThat(dev.meshoperator.reconcile.AuditLog.writesBy(local.auditLog(), "le-it-" + follower + "/" + sfx))
            .noneMatch(w -> w.contains("/deployments/") || w.contains("/meshinstalls/"));
      }
      // Both replicas serve the webhook: each answers readiness on its own management port.
      HttpClient http = HttpClient.newHttpClient();
      for (OperatorProcess replica : replicas) {
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + replica.webhook().server().managementPort().getAsInt() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("readyz of a replica").isEqualTo(200);
      }
      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
    } finally {
      replicas.forEach(OperatorProcess::close);
      clients.forEach(KubernetesClient::close);
      installs.withName(name).delete();
      client.namespaces().withName(operatorNs).delete();
    }
  }

  private static ClusterRoleBinding binding(String name, String role) {
    return new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(role).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("nobody").withNamespace("default").endSubject()
        .build();
  }

  private static boolean canI(KubernetesClient admin, OperatorIdentity identity, String verb, String group, String resource) {
    SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec()
        .withUser(identity.user())
        .withGroups("system:serviceaccounts", "system:serviceaccounts:" + identity.namespace(), "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(resource).endResourceAttributes()
        .endSpec().build();
    return Boolean.TRUE.equals(admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed());
  }

  /** kubectl's answer, "yes" or "no" (it exits 1 on no). */
  private static String canIWithKubectl(TestCluster cluster, String verb, String resource, OperatorIdentity identity) {
    String out;
    try {
      out = cluster.kubectl(List.of("auth", "can-i", verb, resource, "--as=" + identity.user())).strip();
    } catch (IllegalStateException e) {
      out = e.getMessage().strip();
    }
    // The answer is the last line (a warning about cluster-scoped resources may come first).
    return out.lines().reduce((a, b) -> b).orElse("").strip();
  }

  private static List<HasMetadata> loadDeploy(KubernetesClient client) {
    Path file = Path.of(System.getProperty("mesh.basedir", "."), "deploy", "02-rbac.yaml");
    try (InputStream in = Files.newInputStream(file)) {
      return client.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String suffix() {
    return Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
  }

}
