package dev.meshoperator.reconcile;

import dev.meshoperator.wiring.ApiErrors;

/** An API request of one step failed; the message names the step and the object, for status. */
public final class ReconcileStepException extends RuntimeException {
  private final String reason;

  public ReconcileStepException(String reason, String what, Throwable cause) {
    super(what + ": " + summary(cause), cause);
    this.reason = reason;
  }

  /** Condition reason, e.g. ApplyFailed. */
  public String reason() {
    return reason;
  }

  static String summary(Throwable cause) {
    // The API server's own words, without fabric8's "Failure executing: PATCH at: <the request's
    // URL>. Message: " before them, which pushed the field's reason past the cut below.
    String message = ApiErrors.message(cause);
    // API errors repeat the whole request; the first line says what went wrong.
    int newline = message.indexOf('\n');
    message = newline < 0 ? message : message.substring(0, newline);
    return message.length() > 400 ? message.substring(0, 400) + "..." : message;
  }
}
