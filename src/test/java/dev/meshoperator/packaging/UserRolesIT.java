package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The ClusterRoles for MeshInstall users on the real API server: its RBAC authorizer and the
 * controller-manager's ClusterRole aggregation decide what a user bound to view, edit, admin or our
 * editor role may do with (cluster-scoped) MeshInstalls.
 */
@KubeTest
class UserRolesIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String GROUP = "meshoperator.dev";

  @Test
  void viewReadsMeshInstallsAndOnlyTheExplicitlyBoundEditorWrites(TestCluster cluster, KubernetesClient client) {
    String id = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String viewer = "viewer-" + id;
    String editUser = "edit-" + id;
    String adminUser = "admin-" + id;
    String nsAdmin = "ns-admin-" + id;
    String meshAdmin = "mesh-admin-" + id;
    String chartMeshAdmin = "chart-mesh-admin-" + id;
    String ns = "roles-" + id;
    String release = "roles-" + id;
    List<HasMetadata> created = new ArrayList<>();
    List<ClusterRole> chartRoles = Manifests.userRoles(Manifests.parse(new Helm(Manifests.CHART).template()
        .withName(release).withNamespace(ns).withKubeVersion("v1.28.0").call()));
    try {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      created.add(bind(client, viewer, "view"));
      created.add(bind(client, editUser, "edit"));
      created.add(bind(client, adminUser, "admin"));
      created.add(bind(client, meshAdmin, "mesh-operator-meshinstall-editor"));
      created.add(bind(client, chartMeshAdmin, release + "-mesh-operator-meshinstall-editor"));
      client.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
          .withName(nsAdmin).endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "admin")
          .addNewSubject().withKind("User").withApiGroup("rbac.authorization.k8s.io").withName(nsAdmin).endSubject()
          .build()).create();

      // Positive control: without our roles, view grants nothing on MeshInstalls.
      cluster.kubectl(List.of("delete", "--ignore-not-found", "-f", Manifests.DEPLOY.resolve("06-user-roles.yaml").toString()));
      await().atMost(TIMEOUT).until(() -> !allowed(client, viewer, "list", "meshinstalls", null));

      cluster.kubectl(List.of("apply", "--validate=strict", "-f", Manifests.DEPLOY.resolve("06-user-roles.yaml").toString()));
      chartRoles.forEach(r -> client.resource(r).create());

      // Aggregation is the controller-manager's, asynchronous.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        for (String user : List.of(viewer, editUser, adminUser)) {
          for (String verb : UserRoles.READ) {
            assertThat(allowed(client, user, verb, "meshinstalls", null)).as("%s may %s", user, verb).isTrue();
          }
          assertThat(allowed(client, user, "get", "meshinstalls/status", null)).isTrue();
        }
      });
      for (String user : List.of(viewer, editUser, adminUser)) {
        for (String verb : List.of("create", "update", "patch", "delete")) {
          assertThat(allowed(client, user, verb, "meshinstalls", null)).as("%s may not %s", user, verb).isFalse();
        }
      }
      // admin through a RoleBinding, the usual way: nothing on a cluster-scoped kind, not even read.
      assertThat(allowed(client, nsAdmin, "list", "meshinstalls", null)).isFalse();
      assertThat(allowed(client, nsAdmin, "create", "meshinstalls", null)).isFalse();
      assertThat(allowed(client, nsAdmin, "create", "deployments", ns, "apps")).as("control: admin in %s", ns).isTrue();

      for (String user : List.of(meshAdmin, chartMeshAdmin)) {
        for (String verb : List.of("get", "list", "watch", "create", "update", "patch", "delete")) {
          assertThat(allowed(client, user, verb, "meshinstalls", null)).as("%s may %s", user, verb).isTrue();
        }
        assertThat(allowed(client, user, "update", "meshinstalls/status", null)).as("status is the operator's").isFalse();
        assertThat(allowed(client, user, "list", "secrets", ns, "")).as("nothing beyond MeshInstalls").isFalse();
      }
    } finally {
      created.forEach(o -> client.resource(o).delete());
      chartRoles.forEach(r -> client.resource(r).delete());
      cluster.kubectl(List.of("delete", "--ignore-not-found", "-f", Manifests.DEPLOY.resolve("06-user-roles.yaml").toString()));
      client.namespaces().withName(ns).delete();
    }
  }

  private static HasMetadata bind(KubernetesClient client, String user, String clusterRole) {
    return client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName(user).endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
        .addNewSubject().withKind("User").withApiGroup("rbac.authorization.k8s.io").withName(user).endSubject()
        .build()).create();
  }

  private static boolean allowed(KubernetesClient client, String user, String verb, String resource, String namespace) {
    return allowed(client, user, verb, resource, namespace, GROUP);
  }

  private static boolean allowed(KubernetesClient client, String user, String verb, String resource, String namespace,
      String group) {
    String[] parts = resource.split("/", 2);
    var review = new SubjectAccessReviewBuilder().withNewSpec().withUser(user).withGroups("system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(parts[0])
        .withSubresource(parts.length > 1 ? parts[1] : null).withNamespace(namespace)
        .endResourceAttributes().endSpec().build();
    return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }
}
