package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AuditPermissionsTest {
  private static final String SA = "system:serviceaccount:mesh-operator:mesh-operator";
  private static final List<PolicyRule> CLUSTER = List.of(
      rule("apps", "deployments", "get", "list", "watch", "patch", "delete"),
      rule("meshoperator.dev", "meshinstalls/status", "patch"));
  private static final List<PolicyRule> ROLE = List.of(rule("coordination.k8s.io", "leases", "get", "update"));

  @Test
  void usedRequestsAreComparedWithClusterRoleAndRoleInItsNamespaceOnly() {
    var report = AuditPermissions.analyze(Stream.of(
        event(SA, "list", "apps", "deployments", "", "", 200, "ResponseComplete"),
        event(SA, "patch", "meshoperator.dev", "meshinstalls", "status", "", 200, "ResponseComplete"),
        event(SA, "get", "coordination.k8s.io", "leases", "", "mesh-operator", 200, "ResponseComplete"),
        // the Role does not apply outside its namespace
        event(SA, "update", "coordination.k8s.io", "leases", "", "elsewhere", 200, "ResponseComplete"),
        event(SA, "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", 403, "ResponseComplete"),
        event("admin", "create", "", "secrets", "", "x", 201, "ResponseComplete"),
        event(SA, "watch", "apps", "deployments", "", "", 200, "ResponseStarted"),
        "not json"), SA, CLUSTER, ROLE, "mesh-operator");

    assertThat(report.used()).extracting(AuditPermissions.Use::verb).containsExactlyInAnyOrder("list", "watch", "patch", "get", "update");
    assertThat(report.notGranted()).singleElement()
        .isEqualTo(new AuditPermissions.Use("update", "coordination.k8s.io", "leases", true));
    assertThat(report.denials()).singleElement().satisfies(d -> assertThat(d.use().resource()).isEqualTo("clusterrolebindings"));
    assertThat(report.unused()).containsExactlyInAnyOrder(
        new AuditPermissions.Grant("apps", "deployments", "get"),
        new AuditPermissions.Grant("apps", "deployments", "patch"),
        new AuditPermissions.Grant("apps", "deployments", "delete"));
    String table = AuditPermissions.table(report, CLUSTER);
    assertThat(table).contains("| deployments.apps | list watch |  | delete get patch |  |")
        .contains("| meshinstalls.meshoperator.dev/status | patch |")
        .contains("| leases.coordination.k8s.io |  | get update |  | update (namespaced) |");
  }

  private static PolicyRule rule(String group, String resource, String... verbs) {
    return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
  }

  private static String event(String user, String verb, String group, String resource, String sub, String ns, int code, String stage) {
    return """
        {"stage":"%s","verb":"%s","user":{"username":"%s"},"userAgent":"ua","objectRef":{"resource":"%s","subresource":"%s","namespace":"%s","apiGroup":"%s"},"responseStatus":{"code":%d}}"""
        .formatted(stage, verb, user, resource, sub, ns, group, code);
  }
}
