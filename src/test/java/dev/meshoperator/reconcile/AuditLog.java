package dev.meshoperator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Reads the test API server's audit log (JSON lines; writes, and service accounts' reads) for one client's requests. */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");

  private AuditLog() {}

  /**
   * Write requests made by {@code identity}, as "verb requestURI" lines in log order. The identity
   * is a User-Agent or an authenticated user name ({@code user.username}, e.g.
   * {@code system:serviceaccount:mesh-operator:mesh-operator}): a client is found by either, so
   * callers keep working whether the operator runs with a user agent of its own, as a
   * ServiceAccount, or both.
   */
  public static List<String> writesBy(Path auditLog, String identity) {
    try (var lines = Files.lines(auditLog)) {
      return lines.map(AuditLog::parse)
          .filter(e -> e != null
              && (identity.equals(e.path("userAgent").asText()) || identity.equals(e.path("user").path("username").asText()))
              && "ResponseComplete".equals(e.path("stage").asText())
              && WRITE_VERBS.contains(e.path("verb").asText())
              // Access reviews (the operator's permission check at start) are questions, not writes:
              // the API server stores nothing.
              && !e.path("requestURI").asText().startsWith("/apis/authorization.k8s.io/"))
          .map(e -> e.path("verb").asText() + " " + e.path("requestURI").asText())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request URIs of {@code verb} requests made by {@code identity} (user agent or user name), in log order. */
  public static List<String> requestsBy(Path auditLog, String identity, String verb) {
    try (var lines = Files.lines(auditLog)) {
      return lines.map(AuditLog::parse)
          .filter(e -> e != null
              && (identity.equals(e.path("userAgent").asText()) || identity.equals(e.path("user").path("username").asText()))
              && "ResponseComplete".equals(e.path("stage").asText())
              && verb.equals(e.path("verb").asText()))
          .map(e -> e.path("requestURI").asText())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // a line being written while we read
    }
  }
}
