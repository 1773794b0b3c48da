package dev.meshoperator.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Injection metrics. Names follow Istio's injector (sidecar_injection_requests_total,
 * ..._success_total, ..._skip_total, ..._failure_total, ..._time_seconds) so existing dashboards
 * keep working. Reasons become tag values: callers must pass a small fixed vocabulary, never
 * pod names or messages, or the series count explodes.
 */
public final class WebhookMetrics {

    public static final String REASON_TAG = "reason";
    /** Failure reasons the server itself reports. */
    public static final String FAILURE_BAD_REQUEST = "bad_request";
    public static final String FAILURE_TOO_LARGE = "too_large";
    public static final String FAILURE_DENIED = "denied";
    public static final String FAILURE_HANDLER_ERROR = "handler_error";
    /** No settings could be resolved for the revision; the API server applied failurePolicy. */
    public static final String FAILURE_UNAVAILABLE = "unavailable";
    public static final String SKIP_UNSPECIFIED = "unspecified";
    /** Refused at once because the in-flight limit was reached (HTTP 429 with Retry-After). */
    public static final String FAILURE_OVERLOADED = "overloaded";
    /** The client did not send its whole request within the request timeout (HTTP 408, connection closed). */
    public static final String FAILURE_TIMEOUT = "timeout";
    /** The caller closed its connection before its queued request was decided; not decided. */
    public static final String FAILURE_ABANDONED = "abandoned";

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final Counter requests;
    private final Counter successes;
    private final Counter acceptHolds;
    private final Counter connectionBounds;
    private final Counter connectionsRefused;
    private final Counter handshakeWaits;
    private volatile IntSupplier openConnections = () -> 0;
    private final Timer latency;

    /** Metrics in a fresh Prometheus registry; {@link #scrape()} renders it. */
    public WebhookMetrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Metrics in a caller's registry; {@link #scrape()} works only if it is a Prometheus one. */
    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.prometheus = registry instanceof PrometheusMeterRegistry p ? p : null;
        this.requests = Counter.builder("sidecar.injection.requests")
                .description("Admission requests received by the injection webhook").register(registry);
        this.successes = Counter.builder("sidecar.injection.success")
                .description("Admission requests answered with an injection patch").register(registry);
        this.acceptHolds = Counter.builder("webhook.accept.holds")
                .description("Times the webhook held back new connections while requests on kept-alive "
                        + "connections crowded its event loops").register(registry);
        this.connectionBounds = Counter.builder("webhook.connections.bound.reached")
                .description("Times the webhook's open connections reached the count from which new "
                        + "ones are accepted one at a time").register(registry);
        this.connectionsRefused = Counter.builder("webhook.connections.refused")
                .description("New connections refused (reset before TLS) at the connection bound: they "
                        + "waited longest to be taken in, or too many were waiting").register(registry);
        this.handshakeWaits = Counter.builder("webhook.connections.handshake.waits")
                .description("New connections that waited to be taken in because as many TLS handshakes as "
                        + "the webhook runs at once were in progress").register(registry);
        Gauge.builder("webhook.connections.open", this, m -> m.openConnections.getAsInt())
                .description("HTTPS connections open to the webhook").strongReference(true).register(registry);
        this.latency = Timer.builder("sidecar.injection.time")
                .description("Time to answer an admission request")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofSeconds(5), Duration.ofSeconds(10))
                .register(registry);
    }

    /** Counts the admissions {@code memo} answers with a patch it kept ({@code sidecar_injection_patch_reused_total}). */
    public void patchMemo(PatchMemo memo) {
        FunctionCounter.builder("sidecar.injection.patch.reused", memo, PatchMemo::hits)
                .description("Injected admissions answered with the patch of an identical pod injected before "
                        + "(the pods of one ReplicaSet or Job)").register(registry);
    }

    /** The webhook stopped accepting new connections for a while (see HandshakeGate). */
    public void acceptHeld() {
        acceptHolds.increment();
    }

    /** The open connections reached the soft bound (see HandshakeGate). */
    public void connectionBoundReached() {
        connectionBounds.increment();
    }

    /** A new connection was refused at the connection bound (see HandshakeGate). */
    public void connectionRefused() {
        connectionsRefused.increment();
    }

    /** A new connection waited for a handshake slot (see HandshakeGate). */
    public void handshakeWaited() {
        handshakeWaits.increment();
    }

    /** The webhook's open HTTPS connections, read from {@code open} at each scrape (the last server's). */
    public void openConnections(IntSupplier open) {
        this.openConnections = open;
    }

    public void request() {
        requests.increment();
    }

    public void success() {
        successes.increment();
    }

    public void skipped(String reason) {
        Counter.builder("sidecar.injection.skip")
                .description("Admission requests allowed without injection, by reason")
                .tag(REASON_TAG, reason).register(registry).increment();
    }

    public void failed(String reason) {
        Counter.builder("sidecar.injection.failure")
                .description("Admission requests that were refused or could not be handled, by reason")
                .tag(REASON_TAG, reason).register(registry).increment();
    }

    public void recordLatency(Duration elapsed) {
        latency.record(elapsed);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition format. */
    public String scrape() {
        if (prometheus == null) {
            throw new IllegalStateException("metrics are not kept in a Prometheus registry");
        }
        return prometheus.scrape();
    }

    /** Content type matching {@link #scrape()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }
}
