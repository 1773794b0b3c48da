package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void onlyAuthorizerRefusalsOfGrantedRequestsInsideARestartWindowAreWarmUp() {
    // Stopped 10:00:00, ready 10:00:10, grace 5 s: the window is 10:00:00 .. 10:00:15 inclusive.
    var window = new AuditPermissions.RestartWindow(Instant.parse("2026-12-03T10:00:00Z"),
        Instant.parse("2026-12-03T10:00:10Z"), Duration.ofSeconds(5));
    List<String> lines = List.of(
        // excluded: granted (ClusterRole), refused by the authorizer, inside the window
        refused("watch", "apps", "deployments", "", "2026-12-03T10:00:03.250000Z", "forbid"),
        refused("get", "coordination.k8s.io", "leases", "mesh-operator", "2026-12-03T10:00:09.999999Z", "forbid"),
        refused("watch", "apps", "deployments", "", "2026-12-03T10:00:15.000000Z", "forbid"),
        // counted: outside the window (before the stop, after the grace)
        refused("watch", "apps", "deployments", "", "2026-12-03T09:59:59.999999Z", "forbid"),
        refused("watch", "apps", "deployments", "", "2026-12-03T10:00:15.000001Z", "forbid"),
        // counted: inside the window but not granted (no rule; the Role outside its namespace)
        refused("create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "2026-12-03T10:00:05Z", "forbid"),
        refused("get", "coordination.k8s.io", "leases", "elsewhere", "2026-12-03T10:00:05Z", "forbid"),
        // counted: inside and granted, but refused by admission, not the authorizer
        refused("patch", "apps", "deployments", "", "2026-12-03T10:00:05Z", "allow"),
        // counted: no timestamp to place it
        refused("list", "apps", "deployments", "", "", "forbid"));

    var report = AuditPermissions.analyze(lines.stream(), SA, CLUSTER, ROLE, "mesh-operator", List.of(window));

    assertThat(report.warmUp()).extracting(d -> d.received().toString()).containsExactly(
        "2026-12-03T10:00:03.250Z", "2026-12-03T10:00:09.999999Z", "2026-12-03T10:00:15Z");
    assertThat(report.denials()).extracting(d -> d.use().verb() + " " + d.use().resource() + " " + d.namespace())
        .containsExactly("watch deployments ", "watch deployments ", "create clusterrolebindings ",
            "get leases elsewhere", "patch deployments ", "list deployments ");
    // Positive control: without the window every one of them is a denial.
    var without = AuditPermissions.analyze(lines.stream(), SA, CLUSTER, ROLE, "mesh-operator", List.of());
    assertThat(without.warmUp()).isEmpty();
    assertThat(without.denials()).hasSize(lines.size());
  }

  @Test
  void restartWindowsAreReadFromLocalClusterLines(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("apiserver-restarts.log");
    assertThat(AuditPermissions.RestartWindow.read(file, Duration.ofSeconds(5))).as("no restart, no file").isEmpty();
    Files.writeString(file, "2026-12-03T10:00:00.123Z 2026-12-03T10:00:07.456789Z\n\n2026-12-03T10:01:00Z 2026-12-03T10:01:04Z\n");
    var windows = AuditPermissions.RestartWindow.read(file, Duration.ofSeconds(5));
    assertThat(windows).hasSize(2);
    assertThat(windows.get(0).ready()).isEqualTo(Instant.parse("2026-12-03T10:00:07.456789Z"));
    assertThat(windows.get(0).contains(Instant.parse("2026-12-03T10:00:12.456789Z"))).isTrue();
    assertThat(windows.get(0).contains(Instant.parse("2026-12-03T10:00:12.45679Z"))).isFalse();
    assertThat(windows.get(0).contains(Instant.parse("2026-12-03T10:00:00.122Z"))).isFalse();
    Files.writeString(file, "2026-12-03T10:00:00Z\n");
    assertThatThrownBy(() -> AuditPermissions.RestartWindow.read(file, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STOPPED READY");
  }

  @Test
  void aRefusedRequestLoggedAtTwoStagesIsOneDenial() {
    String started = refused("watch", "apps", "deployments", "", "2026-12-03T10:00:03Z", "forbid")
        .replace("\"stage\":\"ResponseComplete\"", "\"auditID\":\"a1\",\"stage\":\"ResponseStarted\"");
    String complete = started.replace("ResponseStarted", "ResponseComplete");
    String other = started.replace("\"a1\"", "\"a2\"");
    var report = AuditPermissions.analyze(Stream.of(started, complete, other), SA, CLUSTER, ROLE, "mesh-operator");
    assertThat(report.denials()).hasSize(2);
  }

  private static String refused(String verb, String group, String resource, String ns, String received, String decision) {
    return """
        {"stage":"ResponseComplete","verb":"%s","user":{"username":"%s"},"userAgent":"ua","objectRef":{"resource":"%s","namespace":"%s","apiGroup":"%s"},"responseStatus":{"code":403},%s"annotations":{"authorization.k8s.io/decision":"%s"}}"""
        .formatted(verb, SA, resource, ns, group,
            received.isEmpty() ? "" : "\"requestReceivedTimestamp\":\"" + received + "\",", decision);
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
