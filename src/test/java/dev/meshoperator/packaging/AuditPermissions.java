package dev.meshoperator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What one user did according to the API server's audit log, compared with the RBAC it was given:
 * every (verb, group, resource, scope) used, whether a rule grants it, and the grants never used.
 */
final class AuditPermissions {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * What Kubernetes' own ClusterRole system:basic-user grants every authenticated user (JOSDK's
   * leader election asks a SelfSubjectRulesReview before taking the Lease).
   */
  static final List<PolicyRule> BASIC_USER = List.of(new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
      .withApiGroups("authorization.k8s.io", "authentication.k8s.io")
      .withResources("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews")
      .withVerbs("create").build());

  /** One kind of request; {@code resource} includes the subresource ("meshinstalls/status"). */
  record Use(String verb, String group, String resource, boolean namespaced) implements Comparable<Use> {
    @Override
    public int compareTo(Use o) {
      return Comparator.comparing(Use::group).thenComparing(Use::resource).thenComparing(Use::verb)
          .thenComparing(Use::namespaced).compare(this, o);
    }

    String scope() {
      return namespaced ? "namespaced" : "cluster";
    }
  }

  /** A request of the user that the API server refused. */
  record Denial(Use use, String namespace, String userAgent) {}

  /** One granted (group, resource, verb) of a role. */
  record Grant(String group, String resource, String verb) implements Comparable<Grant> {
    @Override
    public int compareTo(Grant o) {
      return Comparator.comparing(Grant::group).thenComparing(Grant::resource).thenComparing(Grant::verb).compare(this, o);
    }
  }

  record Report(Set<Use> used, List<Denial> denials, Set<Use> notGranted, Set<Grant> unused) {}

  private AuditPermissions() {}

  /**
   * @param clusterRules the user's ClusterRole rules (apply everywhere)
   * @param roleRules its Role's rules, which apply in {@code roleNamespace} only
   */
  static Report analyze(Stream<String> auditLines, String user, List<PolicyRule> clusterRules,
      List<PolicyRule> roleRules, String roleNamespace) {
    Set<Use> used = new TreeSet<>();
    List<Denial> denials = new ArrayList<>();
    Set<Use> notGranted = new TreeSet<>();
    Set<Grant> exercised = new TreeSet<>();
    auditLines.map(AuditPermissions::parse).forEach(e -> {
      if (e == null || !user.equals(e.path("user").path("username").asText())) {
        return;
      }
      String stage = e.path("stage").asText();
      JsonNode ref = e.path("objectRef");
      if (ref.isMissingNode() || !(stage.equals("ResponseComplete") || stage.equals("ResponseStarted"))) {
        return; // non-resource requests (/version, /apis) are everyone's by system:discovery
      }
      String resource = ref.path("resource").asText()
          + (ref.path("subresource").asText().isEmpty() ? "" : "/" + ref.path("subresource").asText());
      String namespace = ref.path("namespace").asText();
      Use use = new Use(e.path("verb").asText(), ref.path("apiGroup").asText(), resource, !namespace.isEmpty());
      if (e.path("responseStatus").path("code").asInt() == 403) {
        denials.add(new Denial(use, namespace, e.path("userAgent").asText()));
        return;
      }
      used.add(use);
      boolean byCluster = covers(clusterRules, use) || covers(BASIC_USER, use);
      boolean byRole = namespace.equals(roleNamespace) && covers(roleRules, use);
      if (!byCluster && !byRole) {
        notGranted.add(use);
      }
      exercised.add(new Grant(use.group(), use.resource(), use.verb()));
    });
    Set<Grant> unused = new TreeSet<>(grants(clusterRules));
    unused.removeAll(exercised);
    return new Report(used, denials, notGranted, unused);
  }

  static Report analyze(Path auditLog, String user, List<PolicyRule> clusterRules, List<PolicyRule> roleRules,
      String roleNamespace) {
    try (Stream<String> lines = Files.lines(auditLog)) {
      return analyze(lines, user, clusterRules, roleRules, roleNamespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Set<Grant> grants(List<PolicyRule> rules) {
    Set<Grant> grants = new TreeSet<>();
    for (PolicyRule r : rules) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          for (String v : r.getVerbs()) {
            grants.add(new Grant(g, res, v));
          }
        }
      }
    }
    return grants;
  }

  private static boolean covers(List<PolicyRule> rules, Use use) {
    return rules.stream().anyMatch(r -> r.getApiGroups().contains(use.group())
        && r.getResources().contains(use.resource()) && r.getVerbs().contains(use.verb()));
  }

  /** Markdown: one row per (group, resource), its used verbs per scope and its granted-but-unused verbs. */
  static String table(Report report, List<PolicyRule> clusterRules) {
    java.util.Map<String, java.util.Map<String, Set<String>>> rows = new java.util.TreeMap<>();
    for (Use u : report.used()) {
      rows.computeIfAbsent(key(u.group(), u.resource()), k -> new java.util.TreeMap<>())
          .computeIfAbsent(u.scope(), k -> new TreeSet<>()).add(u.verb());
    }
    for (Grant g : report.unused()) {
      rows.computeIfAbsent(key(g.group(), g.resource()), k -> new java.util.TreeMap<>())
          .computeIfAbsent("unused", k -> new TreeSet<>()).add(g.verb());
    }
    for (Use u : report.notGranted()) {
      rows.computeIfAbsent(key(u.group(), u.resource()), k -> new java.util.TreeMap<>())
          .computeIfAbsent("NOT GRANTED", k -> new TreeSet<>()).add(u.verb() + " (" + u.scope() + ")");
    }
    StringBuilder out = new StringBuilder();
    out.append("| resource | used cluster-wide | used in a namespace | granted, never used | used, NOT granted |\n");
    out.append("|---|---|---|---|---|\n");
    rows.forEach((resource, cols) -> out.append("| ").append(resource)
        .append(" | ").append(String.join(" ", cols.getOrDefault("cluster", Set.of())))
        .append(" | ").append(String.join(" ", cols.getOrDefault("namespaced", Set.of())))
        .append(" | ").append(String.join(" ", cols.getOrDefault("unused", Set.of())))
        .append(" | ").append(String.join(" ", cols.getOrDefault("NOT GRANTED", Set.of())))
        .append(" |\n"));
    return out.toString();
  }

  /** kubectl's way: "meshinstalls.meshoperator.dev/status". */
  private static String key(String group, String resource) {
    int slash = resource.indexOf('/');
    String main = slash < 0 ? resource : resource.substring(0, slash);
    String sub = slash < 0 ? "" : resource.substring(slash);
    return (group.isEmpty() ? main : main + "." + group) + sub;
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // a line being written while we read
    }
  }
}
