package dev.meshoperator.webhook;

/**
 * Thrown by an {@link AdmissionHandler} that cannot decide a pod right now (no settings can be
 * resolved for its revision). The server answers HTTP 503 with the message instead of an
 * AdmissionReview, so the API server applies the webhook's failurePolicy: with Fail the pod is
 * refused with this message and its controller retries, with Ignore the user's own choice lets it
 * through. An {@code allowed: false} review would be final whatever the policy says.
 */
public final class InjectorUnavailableException extends RuntimeException {
  public InjectorUnavailableException(String message) {
    super(message, null, false, false);
  }
}
