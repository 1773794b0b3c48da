package dev.meshoperator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

  /**
   * A request of the user that the API server refused; {@code received} is the audit event's
   * requestReceivedTimestamp, {@code decision} its authorization.k8s.io/decision annotation
   * ("forbid" when the authorizer refused, "allow" when admission did).
   */
  record Denial(Use use, String namespace, String userAgent, Instant received, String decision) {
    @Override
    public String toString() {
      return received + " " + use.verb() + " " + key(use.group(), use.resource())
          + (namespace.isEmpty() ? "" : " in " + namespace) + " (" + userAgent + ")";
    }
  }

  /**
   * An API server restart as LocalCluster.restartApiServer records it: from just before the old
   * process was stopped to the new one's first /readyz ok, widened by {@code grace} after that. A
   * request received in between was answered by a server still starting, whose RBAC authorizer
   * may not have read the roles yet.
   */
  record RestartWindow(Instant stopped, Instant ready, Duration grace) {
    boolean contains(Instant t) {
      return t != null && !t.isBefore(stopped) && !t.isAfter(ready.plus(grace));
    }

    /** The lines "STOPPED READY" (ISO-8601 instants) of the file; none when it does not exist. */
    static List<RestartWindow> read(Path file, Duration grace) {
      if (!Files.exists(file)) {
        return List.of();
      }
      try (Stream<String> lines = Files.lines(file)) {
        return lines.map(String::strip).filter(l -> !l.isEmpty()).map(l -> {
          String[] f = l.split("\\s+");
          if (f.length != 2) {
            throw new IllegalArgumentException(file + ": expected \"STOPPED READY\", got \"" + l + "\"");
          }
          return new RestartWindow(Instant.parse(f[0]), Instant.parse(f[1]), grace);
        }).toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** One granted (group, resource, verb) of a role. */
  record Grant(String group, String resource, String verb) implements Comparable<Grant> {
    @Override
    public int compareTo(Grant o) {
      return Comparator.comparing(Grant::group).thenComparing(Grant::resource).thenComparing(Grant::verb).compare(this, o);
    }
  }

  /**
   * {@code denials}: refusals that count; {@code warmUp}: refused by the authorizer inside a
   * restart window although the given rules grant them (the restart's symptom, not an RBAC gap).
   */
  record Report(Set<Use> used, List<Denial> denials, Set<Use> notGranted, Set<Grant> unused, List<Denial> warmUp) {}

  private AuditPermissions() {}

  /**
   * @param clusterRules the user's ClusterRole rules (apply everywhere)
   * @param roleRules its Role's rules, which apply in {@code roleNamespace} only
   */
  static Report analyze(Stream<String> auditLines, String user, List<PolicyRule> clusterRules,
      List<PolicyRule> roleRules, String roleNamespace) {
    return analyze(auditLines, user, clusterRules, roleRules, roleNamespace, List.of());
  }

  /**
   * As above; a refusal by the authorizer (decision "forbid") received inside one of
   * {@code restarts} of a request the rules grant goes to {@link Report#warmUp} instead of
   * {@link Report#denials}. Any other refusal, in a window or not, stays a denial.
   */
  static Report analyze(Stream<String> auditLines, String user, List<PolicyRule> clusterRules,
      List<PolicyRule> roleRules, String roleNamespace, List<RestartWindow> restarts) {
    Set<Use> used = new TreeSet<>();
    List<Denial> denials = new ArrayList<>();
    List<Denial> warmUp = new ArrayList<>();
    // A refused watch is logged twice (stages ResponseStarted and ResponseComplete): one request.
    Set<String> refusedIds = new java.util.HashSet<>();
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
      boolean granted = covers(clusterRules, use) || covers(BASIC_USER, use)
          || namespace.equals(roleNamespace) && covers(roleRules, use);
      if (e.path("responseStatus").path("code").asInt() == 403) {
        String id = e.path("auditID").asText();
        if (!id.isEmpty() && !refusedIds.add(id)) {
          return;
        }
        Denial d = new Denial(use, namespace, e.path("userAgent").asText(), received(e),
            e.path("annotations").path("authorization.k8s.io/decision").asText());
        boolean inRestart = restarts.stream().anyMatch(w -> w.contains(d.received()));
        (inRestart && granted && "forbid".equals(d.decision()) ? warmUp : denials).add(d);
        return;
      }
      used.add(use);
      if (!granted) {
        notGranted.add(use);
      }
      exercised.add(new Grant(use.group(), use.resource(), use.verb()));
    });
    Set<Grant> unused = new TreeSet<>(grants(clusterRules));
    unused.removeAll(exercised);
    return new Report(used, denials, notGranted, unused, warmUp);
  }

  private static Instant received(JsonNode event) {
    String t = event.path("requestReceivedTimestamp").asText(event.path("stageTimestamp").asText());
    try {
      return t.isEmpty() ? null : Instant.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return null; // never inside a window: the refusal counts
    }
  }

  static Report analyze(Path auditLog, String user, List<PolicyRule> clusterRules, List<PolicyRule> roleRules,
      String roleNamespace, List<RestartWindow> restarts) {
    try (Stream<String> lines = Files.lines(auditLog)) {
      return analyze(lines, user, clusterRules, roleRules, roleNamespace, restarts);
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
