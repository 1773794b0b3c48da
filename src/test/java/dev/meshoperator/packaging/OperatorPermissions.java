package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the operator is allowed to do, written once as "group/resource -> verbs" and compared
 * exactly with the RBAC of deploy/ and of the Helm chart: a missing verb breaks the operator, an
 * extra one (or a wildcard) breaks least privilege.
 */
final class OperatorPermissions {
  private static final Set<String> WRITE = Set.of("create", "get", "list", "watch", "patch", "update", "delete");

  static final Map<String, Set<String>> CLUSTER = new TreeMap<>(Map.ofEntries(
      Map.entry("meshoperator.dev/meshinstalls", Set.of("get", "list", "watch", "patch", "update")),
      Map.entry("meshoperator.dev/meshinstalls/status", Set.of("get", "patch", "update")),
      Map.entry("meshoperator.dev/meshinstalls/finalizers", Set.of("update")),
      Map.entry("/namespaces", WRITE),
      Map.entry("/services", WRITE),
      Map.entry("/serviceaccounts", WRITE),
      Map.entry("/configmaps", WRITE),
      Map.entry("/secrets", WRITE),
      Map.entry("apps/deployments", WRITE),
      Map.entry("discovery.k8s.io/endpointslices", WRITE),
      Map.entry("autoscaling/horizontalpodautoscalers", WRITE),
      Map.entry("policy/poddisruptionbudgets", WRITE),
      Map.entry("rbac.authorization.k8s.io/roles", WRITE),
      Map.entry("rbac.authorization.k8s.io/rolebindings", WRITE),
      Map.entry("rbac.authorization.k8s.io/clusterrolebindings", WRITE),
      Map.entry("rbac.authorization.k8s.io/clusterroles", union(WRITE, Set.of("escalate", "bind"))),
      Map.entry("apiextensions.k8s.io/customresourcedefinitions", WRITE),
      Map.entry("admissionregistration.k8s.io/mutatingwebhookconfigurations", WRITE),
      Map.entry("admissionregistration.k8s.io/validatingwebhookconfigurations", WRITE),
      Map.entry("/pods", Set.of("get", "list", "watch")),
      Map.entry("/events", Set.of("create", "patch")),
      Map.entry("authorization.k8s.io/selfsubjectaccessreviews", Set.of("create"))));

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
      assertThat(rule.getVerbs()).as("verbs of %s", rule).isNotEmpty().doesNotContain("*");
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

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
