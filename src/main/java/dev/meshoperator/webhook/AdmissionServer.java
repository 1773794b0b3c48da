package dev.meshoperator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The webhook's HTTPS endpoint.
 *
 * <p>Ports: the HTTPS port serves {@code /inject}, {@code /inject/<revision>}, {@code /healthz},
 * {@code /readyz} and {@code /metrics}; an optional plain-HTTP management port serves
 * {@code /healthz}, {@code /readyz} and {@code /metrics} only, so Prometheus and kubelet probes
 * need no TLS settings. Admission traffic is never accepted over plain HTTP.
 *
 * <p>TLS: 1.3 and 1.2 with forward-secret AEAD suites. The certificate comes from a supplier that
 * is consulted on every handshake, so rotation is a matter of changing what it returns.
 *
 * <pre>{@code
 * AtomicReference<ServingIdentity> identity = new AtomicReference<>(bundle.servingIdentity());
 * AdmissionServer server = AdmissionServer.builder()
 *         .handler(request -> AdmissionCodec.allow(request.getUid()))
 *         .identity(identity::get)
 *         .port(9443)
 *         .start();
 * identity.set(newBundle.servingIdentity());   // rotation: the next handshake uses it
 * }</pre>
 */
public final class AdmissionServer implements AutoCloseable {

    /** The revision {@code /inject} (without a suffix) is routed to. */
    public static final String DEFAULT_REVISION = "default";
    public static final long DEFAULT_MAX_REQUEST_BYTES = 3L * 1024 * 1024;
    static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final Set<String> OPERATIONAL_PATHS = Set.of("/healthz", "/readyz", "/metrics");

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);

    static {
        // The JDK server has no request/response deadlines by default, so a few slow clients
        // could hold every worker thread. The API server gives up after at most 30 s anyway.
        // These are read once per JVM; an explicit -D setting wins.
        setIfAbsent("sun.net.httpserver.maxReqTime", "30");
        setIfAbsent("sun.net.httpserver.maxRspTime", "30");
        // Without TCP_NODELAY the JDK server's separate writes of headers and body meet the
        // client's delayed ACK: about 40 ms added to every admission (measured by bench/run.sh).
        setIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private final HttpsServer https;
    private final HttpServer management;
    private final ExecutorService httpsExecutor;
    private final ExecutorService managementExecutor;
    private final Supplier<ServingIdentity> identity;
    private final BooleanSupplier readiness;
    private final WebhookMetrics metrics;
    private final Duration shutdownGrace;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final String[] enabledProtocols;
    private final String[] enabledCipherSuites;

    private AdmissionServer(Builder b) throws IOException {
        this.identity = b.identity;
        this.readiness = b.readiness;
        this.metrics = b.metrics;
        this.shutdownGrace = b.shutdownGrace;

        SSLContext ssl = sslContext(new RotatingKeyManager(b.identity));
        SSLParameters defaults = ssl.getDefaultSSLParameters();
        this.enabledProtocols = TLS_PROTOCOLS.stream()
                .filter(Arrays.asList(ssl.getSupportedSSLParameters().getProtocols())::contains)
                .toArray(String[]::new);
        this.enabledCipherSuites = Arrays.stream(defaults.getCipherSuites())
                .filter(AdmissionServer::isStrongSuite)
                .toArray(String[]::new);

        InjectEndpoint inject = new InjectEndpoint(b.handlers, new AdmissionCodec(), b.metrics, b.maxRequestBytes);
        this.httpsExecutor = boundedPool("webhook-https", b.threads, b.queueCapacity);
        this.https = HttpsServer.create(new InetSocketAddress(b.bindAddress, b.port), b.backlog);
        https.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(enabledProtocols);
                p.setCipherSuites(enabledCipherSuites);
                p.setUseCipherSuitesOrder(true);
                p.setNeedClientAuth(false);
                params.setSSLParameters(p);
            }
        });
        https.createContext("/", tracked(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (InjectEndpoint.matches(path)) {
                inject.handle(exchange);
            } else {
                serveOperational(exchange, path);
            }
        }));
        https.setExecutor(httpsExecutor);

        if (b.managementPort.isPresent()) {
            this.managementExecutor = boundedPool("webhook-mgmt", 2, 16);
            this.management = HttpServer.create(new InetSocketAddress(b.bindAddress, b.managementPort.getAsInt()), b.backlog);
            management.createContext("/", tracked(exchange -> serveOperational(exchange, exchange.getRequestURI().getPath())));
            management.setExecutor(managementExecutor);
        } else {
            this.managementExecutor = null;
            this.management = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private AdmissionServer start() {
        https.start();
        if (management != null) {
            management.start();
        }
        LOG.info("admission webhook listening on https://{}:{}{}", https.getAddress().getHostString(), port(),
                management == null ? "" : " (management on http port " + managementPort().getAsInt() + ")");
        return this;
    }

    /** The bound HTTPS port (useful after binding port 0). */
    public int port() {
        return https.getAddress().getPort();
    }

    /** The bound plain-HTTP management port, if one was configured. */
    public OptionalInt managementPort() {
        return management == null ? OptionalInt.empty() : OptionalInt.of(management.getAddress().getPort());
    }

    /** The TLS protocol versions offered to clients. */
    public List<String> enabledProtocols() {
        return List.of(enabledProtocols);
    }

    public List<String> enabledCipherSuites() {
        return List.of(enabledCipherSuites);
    }

    /** Ready: not shutting down, a certificate is available, and the owner's check passes. */
    public boolean isReady() {
        return !closing.get() && identity.get() != null && readiness.getAsBoolean();
    }

    /**
     * Stops accepting work: readiness turns false, in-flight requests get up to the shutdown
     * grace period to finish, then both listeners close.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        https.stop(0);
        httpsExecutor.shutdownNow();
        if (management != null) {
            management.stop(0);
            managementExecutor.shutdownNow();
        }
        LOG.info("admission webhook stopped");
    }

    private void serveOperational(HttpExchange exchange, String path) throws IOException {
        try (exchange) {
            if (!OPERATIONAL_PATHS.contains(path)) {
                HttpResponses.text(exchange, 404, "not found");
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                HttpResponses.text(exchange, 405, "method not allowed");
                return;
            }
            switch (path) {
                case "/healthz" -> HttpResponses.text(exchange, 200, "ok");
                case "/readyz" -> {
                    if (isReady()) {
                        HttpResponses.text(exchange, 200, "ok");
                    } else {
                        HttpResponses.text(exchange, 503, "not ready");
                    }
                }
                case "/metrics" -> HttpResponses.send(exchange, 200, WebhookMetrics.contentType(),
                        metrics.scrape().getBytes(StandardCharsets.UTF_8));
                default -> throw new IllegalStateException("unrouted path " + path);
            }
        }
    }

    // Counts in-flight exchanges for graceful shutdown, and guarantees that nothing thrown
    // below reaches the JDK server (which would log and drop the connection without a reply).
    private HttpHandler tracked(HttpHandler delegate) {
        return exchange -> {
            inFlight.incrementAndGet();
            try {
                delegate.handle(exchange);
            } catch (RuntimeException | IOException e) {
                LOG.warn("unexpected failure serving {} {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                try {
                    HttpResponses.text(exchange, 500, "internal error");
                } catch (IOException | RuntimeException ignored) {
                    // headers were already sent or the connection is gone
                }
                exchange.close();
            } finally {
                inFlight.decrementAndGet();
            }
        };
    }

    private static SSLContext sslContext(KeyManager keyManager) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {keyManager}, null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }

    // TLS 1.3 suites are all AEAD; for 1.2 keep only ECDHE with GCM or ChaCha20 (what Go's
    // client, and so the API server, prefers anyway).
    private static boolean isStrongSuite(String suite) {
        if (suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")) {
            return true;
        }
        return suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"));
    }

    // Bounded in threads and queue. When both are full the dispatcher thread runs the exchange
    // itself, which stops it accepting: back-pressure instead of dropped connections.
    private static ExecutorService boundedPool(String name, int threads, int queueCapacity) {
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), factory, new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Configuration; {@link #handler} or {@link #handlers}, and {@link #identity}, are required. */
    public static final class Builder {
        private Function<String, AdmissionHandler> handlers;
        private Supplier<ServingIdentity> identity;
        private InetAddress bindAddress;
        private int port = 9443;
        private OptionalInt managementPort = OptionalInt.empty();
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private int queueCapacity = 256;
        private int backlog = 128;
        private WebhookMetrics metrics;
        private BooleanSupplier readiness = () -> true;
        private Duration shutdownGrace = Duration.ofSeconds(5);

        private Builder() {
        }

        /** One handler for every revision path. */
        public Builder handler(AdmissionHandler handler) {
            Objects.requireNonNull(handler, "handler");
            this.handlers = revision -> handler;
            return this;
        }

        /**
         * A handler per revision ({@link #DEFAULT_REVISION} for {@code /inject}); returning null
         * answers 404, which the API server treats as a call failure (failurePolicy applies).
         */
        public Builder handlers(Function<String, AdmissionHandler> handlersByRevision) {
            this.handlers = Objects.requireNonNull(handlersByRevision, "handlersByRevision");
            return this;
        }

        /** Consulted on every TLS handshake; may return null until a certificate exists. */
        public Builder identity(Supplier<ServingIdentity> identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /** Default: all interfaces. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        /** HTTPS port; 0 picks a free one. Default 9443. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Plain-HTTP port for health and metrics; 0 picks a free one. Default: none. */
        public Builder managementPort(int port) {
            this.managementPort = OptionalInt.of(port);
            return this;
        }

        public Builder maxRequestBytes(long max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxRequestBytes must be positive");
            }
            this.maxRequestBytes = max;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder queueCapacity(int capacity) {
            this.queueCapacity = capacity;
            return this;
        }

        public Builder metrics(WebhookMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Extra readiness condition, e.g. "the webhook configuration carries our caBundle". */
        public Builder readiness(BooleanSupplier readiness) {
            this.readiness = Objects.requireNonNull(readiness, "readiness");
            return this;
        }

        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /** Binds and starts both listeners. */
        public AdmissionServer start() {
            Objects.requireNonNull(handlers, "a handler is required");
            Objects.requireNonNull(identity, "an identity supplier is required");
            if (metrics == null) {
                metrics = new WebhookMetrics();
            }
            try {
                return new AdmissionServer(this).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind admission webhook port " + port, e);
            }
        }
    }
}
