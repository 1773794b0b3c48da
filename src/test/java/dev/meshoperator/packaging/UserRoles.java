package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the ClusterRoles for users must say, in deploy/ and the chart alike: a viewer aggregated
 * into the built-in read roles, and an editor aggregated into nothing, because writing a
 * MeshInstall chooses the images that run with istiod's cluster-wide permissions.
 */
final class UserRoles {
  static final String AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";
  static final List<String> READ = List.of("get", "list", "watch");

  private UserRoles() {
  }

  /** The aggregation labels of a role. */
  static Map<String, String> aggregation(ClusterRole role) {
    Map<String, String> labels = new TreeMap<>();
    if (role.getMetadata().getLabels() != null) {
      role.getMetadata().getLabels().forEach((k, v) -> {
        if (k.startsWith(AGGREGATE)) {
          labels.put(k, v);
        }
      });
    }
    return labels;
  }

  static void assertShape(List<ClusterRole> roles, String prefix) {
    assertThat(roles).extracting(r -> r.getMetadata().getName())
        .containsExactly(prefix + "-meshinstall-viewer", prefix + "-meshinstall-editor");
    ClusterRole viewer = roles.get(0);
    ClusterRole editor = roles.get(1);

    assertThat(aggregation(viewer)).isEqualTo(Map.of(AGGREGATE + "view", "true", AGGREGATE + "edit", "true",
        AGGREGATE + "admin", "true"));
    assertThat(viewer.getRules()).allSatisfy(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("meshoperator.dev");
      assertThat(rule.getVerbs()).containsExactlyElementsOf(READ);
    });
    assertThat(viewer.getRules()).flatExtracting(PolicyRule::getResources)
        .containsExactlyInAnyOrder("meshinstalls", "meshinstalls/status");

    // Writes reach nobody by aggregation: not edit, and not admin either.
    assertThat(aggregation(editor)).isEmpty();
    assertThat(editor.getRules()).allSatisfy(rule -> assertThat(rule.getApiGroups()).containsExactly("meshoperator.dev"));
    assertThat(editor.getRules()).filteredOn(r -> r.getResources().contains("meshinstalls")).singleElement()
        .satisfies(r -> assertThat(r.getVerbs()).contains("create", "update", "patch", "delete"));
    // The status is the operator's to write.
    assertThat(editor.getRules()).filteredOn(r -> r.getResources().contains("meshinstalls/status")).singleElement()
        .satisfies(r -> assertThat(r.getVerbs()).containsExactly("get"));
    assertThat(editor.getRules()).flatExtracting(PolicyRule::getResources)
        .containsExactlyInAnyOrder("meshinstalls", "meshinstalls/status");
  }
}
