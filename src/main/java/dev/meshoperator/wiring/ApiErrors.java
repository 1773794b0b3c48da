package dev.meshoperator.wiring;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** What a failed API request says to a user: the API server's words, not the client's wrapping of them. */
public final class ApiErrors {
  private ApiErrors() {}

  /**
   * The API server's own message (its Status's {@code message}, e.g. {@code Deployment.apps "istiod" is
   * invalid: spec.template.spec.nodeSelector: Invalid value: ...}) when {@code e} is an API refusal
   * that carries one; else the exception's message (fabric8's "Failure executing: PATCH at: <URL>.
   * Message: ..." only when there is no Status), or its class's simple name when it has none.
   */
  public static String message(Throwable e) {
    if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null
        && !k.getStatus().getMessage().isBlank()) {
      return k.getStatus().getMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
