package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * {@code POST /inject} and {@code POST /inject/<revision>}: validates the HTTP request and the
 * AdmissionReview envelope, calls the handler for the revision, and answers. Whatever goes wrong
 * ends as a short status (400/404/405/413/415), a 503 when the handler cannot decide (so the API
 * server applies failurePolicy), or an {@code allowed:false} review, never as a stack trace on
 * the wire.
 *
 * <p>Two steps, so the transport can refuse a request on its headers before reading its body
 * ({@link #admit}) and run the decision wherever it likes ({@link #decide}).
 */
final class InjectEndpoint {

    static final String PATH = "/inject";

    private static final Logger LOG = LoggerFactory.getLogger(InjectEndpoint.class);

    private final Function<String, AdmissionHandler> handlers;
    private final AdmissionCodec codec;
    private final WebhookMetrics metrics;
    private final long maxRequestBytes;
    /** Warm-up traffic: what would be a warning is logged at debug (hundreds of synthetic malformed reviews). */
    private final boolean quiet;

    /** The outcome of looking at the request head: a handler to call with the body, or a refusal. */
    sealed interface Admission permits Accepted, Refused {}

    record Accepted(AdmissionHandler handler) implements Admission {}

    record Refused(Reply reply) implements Admission {}

    InjectEndpoint(Function<String, AdmissionHandler> handlers, AdmissionCodec codec,
                   WebhookMetrics metrics, long maxRequestBytes) {
        this(handlers, codec, metrics, maxRequestBytes, false);
    }

    InjectEndpoint(Function<String, AdmissionHandler> handlers, AdmissionCodec codec,
                   WebhookMetrics metrics, long maxRequestBytes, boolean quiet) {
        this.handlers = handlers;
        this.codec = codec;
        this.metrics = metrics;
        this.maxRequestBytes = maxRequestBytes;
        this.quiet = quiet;
    }

    long maxRequestBytes() {
        return maxRequestBytes;
    }

    /** The revision a path addresses: "/inject" is the default revision, "/inject/x" is "x". */
    static String revisionOf(String path) {
        if (path.equals(PATH) || path.equals(PATH + "/")) {
            return AdmissionServer.DEFAULT_REVISION;
        }
        return path.substring(PATH.length() + 1);
    }

    static boolean matches(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    /**
     * Decides on the request head alone: method, media type, revision and declared length. A
     * refusal closes the connection, since the body stays unread.
     */
    Admission admit(String method, String path, String contentType, OptionalLong declaredLength) {
        if (!matches(path)) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            return refused(Reply.text(404, "not found"));
        }
        if (!"POST".equals(method)) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            return refused(Reply.text(405, "method not allowed: use POST").withHeader("Allow", "POST"));
        }
        if (!isJson(contentType)) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            return refused(Reply.text(415, "unsupported media type: expected application/json"));
        }
        AdmissionHandler handler = handlers.apply(revisionOf(path));
        if (handler == null) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            return refused(Reply.text(404, "no injector for revision '" + revisionOf(path) + "'"));
        }
        if (declaredLength.isPresent() && declaredLength.getAsLong() > maxRequestBytes) {
            // Decided on the header alone so an oversized body is refused before it is transferred.
            return tooLarge("request body of " + declaredLength.getAsLong() + " bytes exceeds the limit of " + maxRequestBytes);
        }
        return new Accepted(handler);
    }

    /** The body grew past the limit while it was being read. */
    Refused tooLarge(String message) {
        metrics.failed(WebhookMetrics.FAILURE_TOO_LARGE);
        return refused(Reply.text(413, message));
    }

    /** Parses the review, asks the handler, and writes the answer. CPU only, apart from what the handler does. */
    /** Counts a request that reaches {@link #decide} without the HTTP layer (the in-process warm-up). */
    void countRequest() {
        metrics.request();
    }

    Reply decide(AdmissionHandler handler, byte[] body, Object remote) {
        AdmissionRequest request;
        try {
            request = codec.parseRequest(body);
        } catch (InvalidAdmissionReviewException e) {
            return malformed(e, remote);
        }
        AdmissionResponse response;
        try {
            response = call(handler, request);
        } catch (InjectorUnavailableException e) {
            LOG.warn("cannot decide {} {}/{} (uid {}): {}", request.getOperation(), request.getNamespace(),
                    request.getName(), request.getUid(), e.getMessage());
            metrics.failed(WebhookMetrics.FAILURE_UNAVAILABLE);
            return Reply.text(503, "mesh-operator sidecar injector: " + e.getMessage());
        } catch (AdmissionCodec.MalformedPod e) {
            // the pod is read when the handler first asks for it (AdmissionCodec.PodRequest)
            return malformed(e.reason(), remote);
        }
        return Reply.json(codec.writeReview(response));
    }

    private Reply malformed(InvalidAdmissionReviewException e, Object remote) {
        metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
        if (e.uid().isPresent()) {
            if (quiet) {
                LOG.debug("malformed AdmissionReview {}: {}", e.uid().get(), e.getMessage());
            } else {
                LOG.warn("malformed AdmissionReview {}: {}", e.uid().get(), e.getMessage(), e.getCause());
            }
            return Reply.json(codec.writeReview(AdmissionCodec.deny(e.uid().get(), 400, e.getMessage())));
        }
        if (quiet) {
            LOG.debug("rejected admission request from {}: {}", remote, e.getMessage());
        } else {
            LOG.warn("rejected admission request from {}: {}", remote, e.getMessage());
        }
        return Reply.text(400, e.getMessage());
    }

    private AdmissionResponse call(AdmissionHandler handler, AdmissionRequest request) {
        String uid = request.getUid();
        AdmissionResponse response;
        try {
            response = handler.handle(request);
            if (response == null) {
                throw new IllegalStateException("handler returned no response");
            }
        } catch (InjectorUnavailableException | Offload.Required | AdmissionCodec.MalformedPod e) {
            throw e;
        } catch (VirtualMachineError e) {
            if (!(e instanceof StackOverflowError)) {
                throw e;
            }
            return handlerFailed(request, e);
        } catch (Exception | Error e) {
            return handlerFailed(request, e);
        }
        if (!Objects.equals(uid, response.getUid())) {
            // The API server rejects a review whose uid does not match; we know the right one.
            response = response.toBuilder().withUid(uid).build();
        }
        countOutcome(response);
        return response;
    }

    private AdmissionResponse handlerFailed(AdmissionRequest request, Throwable e) {
        LOG.error("injection handler failed for {} {}/{} (uid {})", request.getOperation(),
                request.getNamespace(), request.getName(), request.getUid(), e);
        metrics.failed(WebhookMetrics.FAILURE_HANDLER_ERROR);
        return AdmissionCodec.deny(request.getUid(), 500,
                "mesh-operator sidecar injector: internal error (" + e.getClass().getSimpleName()
                        + "); see the operator log for request " + request.getUid());
    }

    private void countOutcome(AdmissionResponse response) {
        if (!Boolean.TRUE.equals(response.getAllowed())) {
            metrics.failed(WebhookMetrics.FAILURE_DENIED);
        } else if (AdmissionCodec.hasPatch(response)) {
            metrics.success();
        } else {
            Map<String, String> audit = response.getAuditAnnotations();
            String reason = audit == null ? null : audit.get(AdmissionCodec.SKIP_REASON_ANNOTATION);
            metrics.skipped(reason == null || reason.isBlank() ? WebhookMetrics.SKIP_UNSPECIFIED : reason);
        }
    }

    private static Refused refused(Reply reply) {
        return new Refused(reply.closing());
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return mediaType.toLowerCase(Locale.ROOT).equals("application/json");
    }
}
