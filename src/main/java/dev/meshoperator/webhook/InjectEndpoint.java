package dev.meshoperator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code POST /inject} and {@code POST /inject/<revision>}: validates the HTTP request and the
 * AdmissionReview envelope, calls the handler for the revision, and answers. Whatever goes wrong
 * ends as a short status (400/404/405/413/415), a 503 when the handler cannot decide (so the API
 * server applies failurePolicy), or an {@code allowed:false} review, never as a stack trace on
 * the wire.
 */
final class InjectEndpoint implements HttpHandler {

    static final String PATH = "/inject";

    private static final Logger LOG = LoggerFactory.getLogger(InjectEndpoint.class);

    private final Function<String, AdmissionHandler> handlers;
    private final AdmissionCodec codec;
    private final WebhookMetrics metrics;
    private final long maxRequestBytes;

    InjectEndpoint(Function<String, AdmissionHandler> handlers, AdmissionCodec codec,
                   WebhookMetrics metrics, long maxRequestBytes) {
        this.handlers = handlers;
        this.codec = codec;
        this.metrics = metrics;
        this.maxRequestBytes = maxRequestBytes;
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

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        metrics.request();
        try {
            respond(exchange);
        } catch (IOException e) {
            // The client went away mid-exchange; nothing useful can be sent any more.
            LOG.debug("admission exchange aborted: {}", e.toString());
        } finally {
            metrics.recordLatency(Duration.ofNanos(System.nanoTime() - started));
            exchange.close();
        }
    }

    private void respond(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!matches(path)) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            HttpResponses.text(exchange, 404, "not found");
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            exchange.getResponseHeaders().set("Allow", "POST");
            HttpResponses.text(exchange, 405, "method not allowed: use POST");
            return;
        }
        if (!isJson(exchange.getRequestHeaders().getFirst("Content-Type"))) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            HttpResponses.text(exchange, 415, "unsupported media type: expected application/json");
            return;
        }
        AdmissionHandler handler = handlers.apply(revisionOf(path));
        if (handler == null) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            HttpResponses.text(exchange, 404, "no injector for revision '" + revisionOf(path) + "'");
            return;
        }
        byte[] body;
        try {
            body = BoundedBody.read(exchange, maxRequestBytes);
        } catch (BoundedBody.TooLargeException e) {
            metrics.failed(WebhookMetrics.FAILURE_TOO_LARGE);
            // The unread rest of the body makes the connection unusable for another request.
            exchange.getResponseHeaders().set("Connection", "close");
            HttpResponses.text(exchange, 413, e.getMessage());
            return;
        }
        AdmissionRequest request;
        try {
            request = codec.parseRequest(body);
        } catch (InvalidAdmissionReviewException e) {
            metrics.failed(WebhookMetrics.FAILURE_BAD_REQUEST);
            if (e.uid().isPresent()) {
                LOG.warn("malformed AdmissionReview {}: {}", e.uid().get(), e.getMessage(), e.getCause());
                HttpResponses.json(exchange, 200, codec.writeReview(AdmissionCodec.deny(e.uid().get(), 400, e.getMessage())));
            } else {
                LOG.warn("rejected admission request from {}: {}", exchange.getRemoteAddress(), e.getMessage());
                HttpResponses.text(exchange, 400, e.getMessage());
            }
            return;
        }
        AdmissionResponse response;
        try {
            response = decide(handler, request);
        } catch (InjectorUnavailableException e) {
            LOG.warn("cannot decide {} {}/{} (uid {}): {}", request.getOperation(), request.getNamespace(),
                    request.getName(), request.getUid(), e.getMessage());
            metrics.failed(WebhookMetrics.FAILURE_UNAVAILABLE);
            HttpResponses.text(exchange, 503, "mesh-operator sidecar injector: " + e.getMessage());
            return;
        }
        HttpResponses.json(exchange, 200, codec.writeReview(response));
    }

    private AdmissionResponse decide(AdmissionHandler handler, AdmissionRequest request) {
        String uid = request.getUid();
        AdmissionResponse response;
        try {
            response = handler.handle(request);
            if (response == null) {
                throw new IllegalStateException("handler returned no response");
            }
        } catch (InjectorUnavailableException e) {
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
        } else if (response.getPatch() != null) {
            metrics.success();
        } else {
            Map<String, String> audit = response.getAuditAnnotations();
            String reason = audit == null ? null : audit.get(AdmissionCodec.SKIP_REASON_ANNOTATION);
            metrics.skipped(reason == null || reason.isBlank() ? WebhookMetrics.SKIP_UNSPECIFIED : reason);
        }
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
