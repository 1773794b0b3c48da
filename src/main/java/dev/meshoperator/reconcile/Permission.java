package dev.meshoperator.reconcile;

import dev.meshoperator.wiring.ApiErrors;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/** One verb on one resource, cluster-wide: what a SelfSubjectAccessReview asks. */
public record Permission(String verb, String group, String resource) {
  /** Condition reason when the API server denies the operator something it needs. */
  public static final String REASON_MISSING = "MissingPermission";

  /** Like kubectl names it: {@code list validatingwebhookconfigurations.admissionregistration.k8s.io}. */
  @Override
  public String toString() {
    return verb + " " + resource + (group.isEmpty() ? "" : "." + group);
  }

  /**
   * The API server's own one-line message when {@code e} (or a cause) is a 403, e.g.
   * {@code ... is forbidden: User "system:serviceaccount:..." cannot patch resource "..." in API group "..."}.
   */
  public static Optional<String> forbiddenMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 403) {
        String message = ApiErrors.message(k);
        // One line: RBAC's escalation refusal lists the rules not held on the following lines.
        String oneLine = message.strip().replaceAll("\\s*\n\\s*", " ");
        return Optional.of(oneLine.length() > 800 ? oneLine.substring(0, 800) + "..." : oneLine);
      }
    }
    return Optional.empty();
  }
}
