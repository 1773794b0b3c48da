package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.reconcile.OperatorRbac;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the operator is allowed to do, as {@link OperatorRbac} derives it (its own needs plus the
 * rules of the roles it renders), compared exactly with the RBAC of deploy/ and of the Helm chart:
 * a missing verb breaks the operator, an extra one breaks least privilege. Whatever the derivation
 * says, a wildcard or a verb that grants more than it names (escalate, bind, impersonate) fails.
 */
final class OperatorPermissions {
  static final Map<String, Set<String>> CLUSTER = OperatorRbac.flatten(OperatorRbac.clusterRules());

  static final Map<String, Set<String>> LEADER_ELECTION = Map.of(
      "coordination.k8s.io/leases", Set.of("get", "create", "update"));

  static final Map<String, Set<String>> OWN_NAMESPACE = Map.of(
      "/secrets", Set.of("get", "list", "watch", "create", "update", "patch"));

  private OperatorPermissions() {
  }

  /** Rules flattened to "group/resource -> verbs"; fails on wildcards and resourceNames-free surprises. */
  static Map<String, Set<String>> flatten(List<PolicyRule> rules) {
    Map<String, Set<String>> flat = new TreeMap<>();
    for (PolicyRule rule : rules) {
      assertThat(rule.getApiGroups()).as("apiGroups of %s", rule).isNotEmpty().doesNotContain("*");
      assertThat(rule.getResources()).as("resources of %s", rule).isNotEmpty().doesNotContain("*");
      assertThat(rule.getVerbs()).as("verbs of %s", rule).isNotEmpty().doesNotContainAnyElementsOf(OperatorRbac.FORBIDDEN_VERBS);
      assertThat(rule.getNonResourceURLs()).as("nonResourceURLs of %s", rule).isNullOrEmpty();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          assertThat(resource).as("resource of %s", rule).doesNotContain("*");
          flat.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
        }
      }
    }
    return flat;
  }

  static void assertClusterRules(List<PolicyRule> rules) {
    assertThat(flatten(rules)).isEqualTo(sorted(CLUSTER));
  }

  static void assertNamespaceRules(List<PolicyRule> rules, boolean leaderElection) {
    Map<String, Set<String>> expected = new TreeMap<>(OWN_NAMESPACE);
    if (leaderElection) {
      expected.putAll(LEADER_ELECTION);
    }
    assertThat(flatten(rules)).isEqualTo(sorted(expected));
  }

  private static Map<String, Set<String>> sorted(Map<String, Set<String>> map) {
    Map<String, Set<String>> out = new TreeMap<>();
    map.forEach((k, v) -> out.put(k, new TreeSet<>(v)));
    return out;
  }
}
