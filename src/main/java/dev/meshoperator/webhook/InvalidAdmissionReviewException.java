package dev.meshoperator.webhook;

import java.util.Optional;

/**
 * The request body is not an AdmissionReview we can act on. The message is safe to return to
 * the client: it names what is wrong, never echoes the body.
 */
public final class InvalidAdmissionReviewException extends Exception {
    private final String uid;

    public InvalidAdmissionReviewException(String message, String uid, Throwable cause) {
        super(message, cause);
        this.uid = uid;
    }

    public InvalidAdmissionReviewException(String message) {
        this(message, null, null);
    }

    /** The request uid when it could be read, so a proper AdmissionReview denial can be sent. */
    public Optional<String> uid() {
        return Optional.ofNullable(uid);
    }
}
