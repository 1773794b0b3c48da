package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorRbacTest {
  private final Map<String, Set<String>> held = OperatorRbac.flatten(OperatorRbac.clusterRules());

  @Test
  void holdsEveryRuleOfEveryRenderedRoleSoItCanCreateAndBindThemWithoutEscalate() {
    var rendered = OperatorRbac.flatten(OperatorRbac.renderedRules());
    assertThat(rendered).as("the renderer produces roles").isNotEmpty()
        .containsKey("networking.istio.io/virtualservices")
        .containsKey("/nodes");
    rendered.forEach((resource, verbs) ->
        assertThat(held.getOrDefault(resource, Set.of())).as(resource).containsAll(verbs));
  }

  @Test
  void watchesAndManagesEveryManagedKind() {
    for (ManagedKind kind : ManagedKinds.ALL) {
      String key = HasMetadata.getGroup(kind.type()) + "/" + HasMetadata.getPlural(kind.type());
      assertThat(held.get(key)).as(key).contains("get", "list", "watch", "create", "update", "patch", "delete");
    }
    // The kind whose missing list permission stopped the operator at start (issue 8).
    assertThat(held.get("admissionregistration.k8s.io/validatingwebhookconfigurations")).contains("list", "watch");
  }

  @Test
  void noWildcardAndNothingThatGrantsMoreThanItNames() {
    assertThat(held.keySet()).noneMatch(k -> k.contains("*"));
    held.forEach((resource, verbs) ->
        assertThat(verbs).as(resource).doesNotContainAnyElementsOf(OperatorRbac.FORBIDDEN_VERBS));
    assertThat(OperatorRbac.clusterRules()).allSatisfy(r -> assertThat(r.getApiGroups()).doesNotContain("*"));
  }
}
