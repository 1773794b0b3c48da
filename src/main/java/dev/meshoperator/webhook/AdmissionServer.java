package dev.meshoperator.webhook;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The webhook's HTTPS endpoint, on Netty.
 *
 * <p>Ports: the HTTPS port serves {@code /inject}, {@code /inject/<revision>}, {@code /healthz},
 * {@code /readyz} and {@code /metrics}; an optional plain-HTTP management port serves
 * {@code /healthz}, {@code /readyz} and {@code /metrics} only, so Prometheus and kubelet probes
 * need no TLS settings. Admission traffic is never accepted over plain HTTP.
 *
 * <p>TLS: 1.3 and 1.2 with forward-secret AEAD suites, ALPN h2 and http/1.1 (the API server
 * speaks HTTP/1.1 to webhooks that are not on localhost), BoringSSL through netty-tcnative when
 * it loads, else the JDK ({@link #tlsProvider()} says which). The certificate comes from a
 * supplier consulted on every new connection, so rotation is a matter of changing what it returns.
 *
 * <p>Threads: a few event loops do TLS and HTTP framing. Decisions (parse, decide, inject, patch,
 * encode) run on a small pool by default, since a handler may ask the API server (a namespace not
 * yet in the informer's cache); at most {@code threads + queueCapacity} admissions are queued or
 * running there, beyond that a request is answered at once with 429 and {@code Retry-After: 1},
 * which the API server's client retries after that second (and once its webhook timeout has
 * passed, failurePolicy decides), instead of waiting in an unbounded queue. With
 * {@link Builder#inlineDecisions} (the operator's webhook) a decision runs on the event loop that
 * read it and moves to the pool only when it would block ({@link Offload}); optionally
 * ({@link Builder#shedAfter}, off by default) an event loop busy without a break for longer than a
 * threshold answers 429 without deciding until it has caught up.
 *
 * <p>Slow or stalled clients cannot hold anything for long: the TLS handshake must complete within
 * the handshake timeout, a request (head and body) must arrive within the request timeout (else
 * 408 and the connection closes), a connection without traffic closes after the idle timeout,
 * and at the connection limit the connection idle longest is closed to make room.
 *
 * <pre>{@code
 * AtomicReference<ServingIdentity> identity = new AtomicReference<>(bundle.servingIdentity());
 * AdmissionServer server = AdmissionServer.builder()
 *         .handler(request -> AdmissionCodec.allow(request.getUid()))
 *         .identity(identity::get)
 *         .port(9443)
 *         .start();
 * identity.set(newBundle.servingIdentity());   // rotation: the next connection uses it
 * }</pre>
 */
public final class AdmissionServer implements AutoCloseable {

    /** The revision {@code /inject} (without a suffix) is routed to. */
    public static final String DEFAULT_REVISION = "default";
    public static final long DEFAULT_MAX_REQUEST_BYTES = 3L * 1024 * 1024;
    /** See {@link Builder#shedAfter}: off. */
    public static final Duration DEFAULT_SHED_AFTER = Duration.ZERO;
    /** See {@link Builder#keptConnectionBound}. */
    public static final int DEFAULT_KEPT_CONNECTION_BOUND = 64;
    /** See {@link Builder#openConnectionBound}. */
    public static final int DEFAULT_OPEN_CONNECTION_BOUND = 512;
    /**
     * At {@link Builder#keptConnectionBound}, a connection idle this long is closed to take in a
     * waiting one: its client keeps more connections than it needs, or hoards them. Long against the
     * gaps between requests under load (milliseconds), so that closing it hardly ever races the
     * client's next request on it (1 s did: a few EOFs per overload run, bench/RESULTS.md 2026-12-04).
     */
    static final Duration DEFAULT_IDLE_AT_BOUND = Duration.ofSeconds(10);
    /**
     * See {@link Builder#acceptWait}: a tenth of the API server's default webhook timeout (10 s), so
     * that a refused call fails while its caller can still retry, and long against the wait of a
     * connection that is taken in at the bound (100 ms).
     */
    public static final Duration DEFAULT_ACCEPT_WAIT = Duration.ofSeconds(1);
    /** See {@link Builder#handshakeBusyShare}: measured in bench/RESULTS.md (2026-12-03 18:24-19:50). */
    public static final double DEFAULT_HANDSHAKE_BUSY_SHARE = 0.7;
    static final List<String> TLS_PROTOCOLS = TlsContexts.PROTOCOLS;
    private static final Set<String> OPERATIONAL_PATHS = Set.of("/healthz", "/readyz", "/metrics");

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);

    private final Supplier<ServingIdentity> identity;
    private final BooleanSupplier readiness;
    private final WebhookMetrics metrics;
    private final Duration shutdownGrace;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final TlsContexts tls;
    private final EventLoopGroup loops;
    private final HandshakeGate handshakeGate;
    private final ExecutorService decisions;
    private final Connections connections;
    private final Connections managementConnections;
    private final InjectEndpoint inject;
    private final Settings settings;
    private final Channel https;
    private final Channel management;
    private final InetAddress bindAddress;

    // ---- warm-up (see WebhookWarmUp) ----
    private final WebhookWarmUp.Plan warmUpPlan;
    /** Answers warm-up requests: the plan's handler, metrics of their own, warnings at debug. */
    private final InjectEndpoint warmUpInject;
    private final WebhookMetrics warmUpMetrics = new WebhookMetrics();
    /** Set while the warm-up runs; a request carrying it is a warm-up request. */
    private volatile byte[] warmUpToken;
    private final java.util.concurrent.CompletableFuture<WebhookWarmUp.Result> warmUp =
            new java.util.concurrent.CompletableFuture<>();

    /** What one exchange needs from its server; shared by the HTTP/1.1 and HTTP/2 pipelines. */
    record Settings(long requestTimeoutMillis, int maxInFlight, boolean inline) {}

    /**
     * Per event loop: when it last got round to its scheduled tasks, and the decisions it has made
     * since. A loop runs its tasks after each round of socket work, and a tick is due every
     * {@link #LOOP_TICK_MILLIS}; so the tick's age is how long the loop has been busy without a
     * break. Read and written by its loop only.
     */
    private static final class LoopClock {
        long tick = System.nanoTime();
        int decided;
    }

    private static final io.netty.util.concurrent.FastThreadLocal<LoopClock> LOOP_CLOCK =
            new io.netty.util.concurrent.FastThreadLocal<>();
    private static final long LOOP_TICK_MILLIS = 5;
    /** Inline decisions are shed (429) on a loop busy without a break for longer than this. */
    private final long shedAfterNanos;

    /** Admissions queued for or running on the decision pool. */
    final AtomicInteger inFlight = new AtomicInteger();
    /** Exchanges begun and not yet answered, of any path; graceful shutdown waits for them. */
    final AtomicInteger exchanges = new AtomicInteger();

    private AdmissionServer(Builder b) {
        this.identity = b.identity;
        this.readiness = b.readiness;
        this.metrics = b.metrics;
        this.shutdownGrace = b.shutdownGrace;
        this.tls = new TlsContexts(b.identity, b.tlsProvider, true);
        this.inject = new InjectEndpoint(b.handlers, new AdmissionCodec(), b.metrics, b.maxRequestBytes);
        this.warmUpPlan = b.warmUp;
        this.warmUpInject = b.warmUp == null ? null : new InjectEndpoint(revision -> b.warmUp.handler(),
                new AdmissionCodec(), warmUpMetrics, b.maxRequestBytes, true);
        this.bindAddress = b.bindAddress;
        this.settings = new Settings(b.requestTimeout.toMillis(), b.threads + b.queueCapacity, b.inlineDecisions);
        this.connections = new Connections(b.maxConnections);
        this.handshakeGate = new HandshakeGate(b.handshakeBusyShare, Math.min(b.keptConnectionBound, b.maxConnections),
                connections::kept, Math.min(b.openConnectionBound, b.maxConnections), connections::open,
                b.metrics::acceptHeld, b.metrics::connectionBoundReached,
                () -> connections.closeIdlest(b.idleAtBound.toNanos()), b.acceptWait, b.acceptQueue,
                b.metrics::connectionRefused, b.handshakeSlots > 0 ? b.handshakeSlots : b.ioThreads,
                b.metrics::handshakeWaited, b.silentSlot, b.slot);
        connections.onKept(handshakeGate::keptChanged);
        connections.onFirstAnswer(handshakeGate::firstAnswer);
        b.metrics.openConnections(connections::open);
        this.managementConnections = new Connections(64);
        this.loops = new NioEventLoopGroup(b.ioThreads, new DefaultThreadFactory("webhook-io", true));
        // Also when deciding inline: a decision that would block moves here (Offload). Its threads
        // start on first use and end after a minute without work.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(b.threads, b.threads, 60, TimeUnit.SECONDS,
                // unbounded as a queue, bounded by the in-flight limit checked before every submit
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("webhook-decide", true));
        pool.allowCoreThreadTimeOut(true);
        this.decisions = pool;
        this.shedAfterNanos = b.inlineDecisions && !b.shedAfter.isZero() ? b.shedAfter.toNanos() : Long.MAX_VALUE;
        if (shedAfterNanos != Long.MAX_VALUE) {
            long tick = Math.max(1, Math.min(LOOP_TICK_MILLIS, b.shedAfter.toMillis() / 4));
            for (io.netty.util.concurrent.EventExecutor loop : loops) {
                LoopClock clock = new LoopClock();
                loop.scheduleAtFixedRate(() -> {
                    if (LOOP_CLOCK.getIfExists() != clock) {
                        LOOP_CLOCK.set(clock);
                    }
                    clock.tick = System.nanoTime();
                    clock.decided = 0;
                }, 0, tick, TimeUnit.MILLISECONDS);
            }
        }
        try {
            InetSocketAddress address = b.bindAddress == null ? new InetSocketAddress(b.port)
                    : new InetSocketAddress(b.bindAddress, b.port);
            this.https = bootstrap(b.backlog).handler(handshakeGate.acceptor()).childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    httpsPipeline(ch, b);
                }
            }).bind(address).syncUninterruptibly().channel();
            handshakeGate.listener(https);
            if (b.managementPort.isPresent()) {
                InetSocketAddress mgmt = b.bindAddress == null ? new InetSocketAddress(b.managementPort.getAsInt())
                        : new InetSocketAddress(b.bindAddress, b.managementPort.getAsInt());
                this.management = bootstrap(b.backlog).childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("connections", managementConnections)
                                .addLast("idle", new Connections.IdleClose(b.idleTimeout))
                                .addLast("http", new HttpServerCodec(4096, 16384, 65536))
                                .addLast("exchange", new ExchangeHandler(AdmissionServer.this, false));
                    }
                }).bind(mgmt).syncUninterruptibly().channel();
            } else {
                this.management = null;
            }
        } catch (Throwable e) {
            shutdownThreads();
            throw e;
        }
    }

    private ServerBootstrap bootstrap(int backlog) {
        return new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true);
    }

    private void httpsPipeline(SocketChannel ch, Builder b) {
        long handshakeMillis = b.handshakeTimeout.toMillis();
        ch.pipeline()
                .addLast("connections", connections)
                .addLast("gate", handshakeGate.probe())
                .addLast("idle", new Connections.IdleClose(b.idleTimeout))
                // The certificate is chosen per connection, when its ClientHello arrives.
                .addLast("tls", new SniHandler((String hostname, io.netty.util.concurrent.Promise<SslContext> promise) -> {
                    try {
                        return promise.setSuccess(tls.current());
                    } catch (SSLException | RuntimeException e) {
                        return promise.setFailure(e);
                    }
                }, handshakeMillis) {
                    @Override
                    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                        SslHandler handler = super.newSslHandler(context, allocator);
                        handler.setHandshakeTimeoutMillis(handshakeMillis);
                        return handler;
                    }
                })
                .addLast("handshake-slot", handshakeGate.handshakeWatch())
                .addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                    @Override
                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                        ChannelPipeline p = ctx.pipeline();
                        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                            p.addLast("h2", Http2FrameCodecBuilder.forServer()
                                    .initialSettings(Http2Settings.defaultSettings()
                                            .maxConcurrentStreams(b.maxConcurrentStreams)
                                            .maxHeaderListSize(16384))
                                    .build());
                            p.addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel stream) {
                                    stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(true))
                                            .addLast("exchange", new ExchangeHandler(AdmissionServer.this, true));
                                }
                            }));
                        } else {
                            p.addLast("http", new HttpServerCodec(4096, 16384, 65536))
                                    .addLast("exchange", new ExchangeHandler(AdmissionServer.this, true));
                        }
                    }

                    @Override
                    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                        // Port scanners, clients that distrust our CA, timeouts: not worth a warning each.
                        LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
                        ctx.close();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
                        ctx.close();
                    }
                });
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound HTTPS port (useful after binding port 0). */
    public int port() {
        return ((InetSocketAddress) https.localAddress()).getPort();
    }

    /** The bound plain-HTTP management port, if one was configured. */
    public OptionalInt managementPort() {
        return management == null ? OptionalInt.empty()
                : OptionalInt.of(((InetSocketAddress) management.localAddress()).getPort());
    }

    /** The TLS protocol versions offered to clients. */
    public List<String> enabledProtocols() {
        return TLS_PROTOCOLS;
    }

    /** The cipher suites offered (those of the current certificate's context; empty before there is one). */
    public List<String> enabledCipherSuites() {
        try {
            return tls.cipherSuites();
        } catch (SSLException e) {
            return List.of();
        }
    }

    /** "OpenSSL" (BoringSSL through netty-tcnative) or "JDK": which TLS implementation serves. */
    public String tlsProvider() {
        return tls.providerName();
    }

    /** The HTTPS port's handshake gate (tests). */
    HandshakeGate handshakeGate() {
        return handshakeGate;
    }

    /** Connections open on the HTTPS port now. */
    public int openConnections() {
        return connections.open();
    }

    /**
     * Ready: not shutting down, the warm-up (if any) has ended, a certificate is available, and
     * the owner's check passes.
     */
    public boolean isReady() {
        return !closing.get() && warmUp.isDone() && identity.get() != null && readiness.getAsBoolean();
    }

    /**
     * Completes when the warm-up has ended (at once when none was configured), with what it did.
     * A failed warm-up completes normally too, its error in the result: readiness never waits on
     * a warm-up that cannot run.
     */
    public java.util.concurrent.CompletableFuture<WebhookWarmUp.Result> warmUp() {
        return warmUp.copy();
    }

    /** Metrics of the warm-up requests, kept apart from {@link #metrics()}' admission metrics. */
    public WebhookMetrics warmUpMetrics() {
        return warmUpMetrics;
    }

    /** Whether a request with this header value is one of the running warm-up's requests. */
    boolean isWarmUpRequest(String token) {
        byte[] expected = warmUpToken;
        return expected != null && token != null
                && java.security.MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.US_ASCII));
    }

    InjectEndpoint warmUpInject() {
        return warmUpInject;
    }

    private AdmissionServer startWarmUp() {
        if (warmUpPlan == null) {
            warmUp.complete(WebhookWarmUp.Result.none());
            return this;
        }
        Thread t = new Thread(this::runWarmUp, "webhook-warm-up");
        t.setDaemon(true);
        t.start();
        return this;
    }

    /**
     * How many of the warm-up's requests go over TLS: 3/8 when the JVM runs the quick JIT only (the
     * operator's Deployment), else 1/8. Measured with bench/operator-start.sh and bench/warm-start.sh
     * (bench/RESULTS.md, 2026-12-04 15:28-15:50): with the quick JIT only, 1/8 left p99 at 13-28 ms
     * over the first 10 s at 1,000 req/s and 3/8 brought it to 4-5 ms, for about 0.1 s more before
     * ready; with C2 as well (bench/WebhookServerMain), 3/8 ran past the 2 s budget (the cold TLS
     * client's requests cost more while C2 compiles): ready 3.3-3.4 s and p99 243-274 ms at 1,000 req/s,
     * against 3.1-3.3 s and 148-190 ms with 1/8 in the same conditions.
     */
    static int tlsShare(int maxRequests, boolean quickJitOnly) {
        return Math.max(1, maxRequests * (quickJitOnly ? 3 : 1) / 8);
    }

    /**
     * Whether this JVM compiles with C1 only ({@code -XX:TieredStopAtLevel} below 4). Read once: the
     * warm-up's request count ({@link WebhookWarmUp#defaultMaxRequests()}) and its TLS share both ask.
     */
    static boolean quickJitOnly() {
        return dev.meshoperator.wiring.Jit.quickOnly();
    }

    private void runWarmUp() {
        WebhookWarmUp.Result result;
        long start = System.nanoTime();
        try {
            String token = WebhookWarmUp.newToken();
            warmUpToken = token.getBytes(StandardCharsets.US_ASCII);
            var samples = WebhookWarmUp.samples(dev.meshoperator.inject.KubeJson.serialization());
            if (identity.get() != null) {
                InetAddress target = bindAddress == null || bindAddress.isAnyLocalAddress()
                        ? InetAddress.getLoopbackAddress() : bindAddress;
                int clients = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
                // Most of it in-process first: the codec, handler and injector warm without paying for a
                // cold TLS client per request (over TLS alone, 2 requests fit a 2 s budget on a quiet
                // 2-core machine: bench/warm-start.sh); then the rest over TLS, so Netty and BoringSSL
                // warm too. One round-robin over the samples across both phases.
                int tlsShare = tlsShare(warmUpPlan.maxRequests(), quickJitOnly());
                // The early in-process warm-up (WebhookWarmUp.startEarlyOnce) has done its part once this
                // one runs: two of them beside the controller's start only shared the same two cores.
                WebhookWarmUp.stopEarly();
                var local = new WebhookWarmUp.Plan(warmUpPlan.handler(),
                        warmUpPlan.budget().multipliedBy(3).dividedBy(4),
                        Math.max(1, warmUpPlan.maxRequests() - tlsShare));
                WebhookWarmUp.Result first = WebhookWarmUp.inProcess(warmUpInject, warmUpPlan.handler(), samples,
                        local, start, closing::get);
                LOG.info("admission webhook warm-up, in-process part: {}", first.describe(local));
                var tls = new WebhookWarmUp.Plan(warmUpPlan.handler(), warmUpPlan.budget(),
                        Math.max(1, warmUpPlan.maxRequests() - first.requests()));
                int k = first.requests() % samples.size();
                var rest = new java.util.ArrayList<>(samples.subList(k, samples.size()));
                rest.addAll(samples.subList(0, k));
                WebhookWarmUp.Result second = WebhookWarmUp.overTls(target, port(), identity, token, rest, tls,
                        clients, start, closing::get);
                result = new WebhookWarmUp.Result(first.requests() + second.requests(),
                        first.unexpected() + second.unexpected(), second.elapsed(), true, second.budgetReached(),
                        second.error());
            } else {
                result = WebhookWarmUp.inProcess(warmUpInject, warmUpPlan.handler(), samples, warmUpPlan, start,
                        closing::get);
            }
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                warmUp.complete(new WebhookWarmUp.Result(0, 0, Duration.ofNanos(System.nanoTime() - start), false,
                        false, e.toString()));
                throw (Error) e;
            }
            result = new WebhookWarmUp.Result(0, 0, Duration.ofNanos(System.nanoTime() - start), false, false,
                    e.toString());
        } finally {
            warmUpToken = null;
        }
        if (result.error() != null && result.requests() == 0) {
            LOG.warn("admission webhook warm-up failed, serving cold: {}", result.describe(warmUpPlan));
        } else {
            LOG.info("admission webhook warm-up: {}", result.describe(warmUpPlan));
        }
        if (!closing.get()) {
            // Before ready, not under the first traffic (WebhookWarmUp.collectStartGarbage).
            WebhookWarmUp.Collection gc = WebhookWarmUp.collectStartGarbage();
            if (gc.collections() > 0) {
                LOG.info("collected the start's garbage before reporting ready, in {} ms", gc.elapsed().toMillis());
            } else {
                LOG.info("no collection of the start's garbage before ready: the JVM skipped {} requests in {} ms",
                        gc.attempts(), gc.elapsed().toMillis());
            }
        }
        warmUp.complete(result);
    }

    /**
     * Stops accepting work: readiness turns false, in-flight requests get up to the shutdown
     * grace period to finish, then both listeners and every connection close.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        while (exchanges.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        https.close().awaitUninterruptibly();
        if (management != null) {
            management.close().awaitUninterruptibly();
        }
        connections.closeAll();
        managementConnections.closeAll();
        shutdownThreads();
        LOG.info("admission webhook stopped");
    }

    private void shutdownThreads() {
        if (decisions != null) {
            decisions.shutdownNow();
        }
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    // ---- what ExchangeHandler calls ----

    Settings settings() {
        return settings;
    }

    InjectEndpoint inject() {
        return inject;
    }

    WebhookMetrics metrics() {
        return metrics;
    }

    /**
     * Whether the event loop calling this has been busy without a break for longer than the
     * shedding threshold and has decided at least one request in that time: requests are queueing
     * in front of it. A loop that has only been slow (a cold first request, a handshake, a pause)
     * with nothing decided yet is not behind. False off the event loops.
     */
    boolean behind() {
        if (shedAfterNanos == Long.MAX_VALUE) {
            return false; // shedding off: no clock to read
        }
        LoopClock clock = LOOP_CLOCK.getIfExists();
        return clock != null && clock.decided > 0 && System.nanoTime() - clock.tick > shedAfterNanos;
    }

    /** Counts a decision made on the calling event loop (see {@link #behind()}). */
    void decidedInline() {
        if (shedAfterNanos == Long.MAX_VALUE) {
            return;
        }
        LoopClock clock = LOOP_CLOCK.getIfExists();
        if (clock != null) {
            clock.decided++;
        }
    }

    /** Runs a decision off the event loop; false when the pool no longer accepts work (shutdown). */
    boolean submit(Runnable decision) {
        try {
            decisions.execute(decision);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    Reply serveOperational(String method, String path) {
        if (!OPERATIONAL_PATHS.contains(path)) {
            return Reply.text(404, "not found").closing();
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return Reply.text(405, "method not allowed").withHeader("Allow", "GET, HEAD").closing();
        }
        return switch (path) {
            case "/healthz" -> Reply.text(200, "ok");
            case "/readyz" -> isReady() ? Reply.text(200, "ok") : Reply.text(503, "not ready");
            case "/metrics" -> new Reply(200, WebhookMetrics.contentType(),
                    metrics.scrape().getBytes(StandardCharsets.UTF_8), java.util.Map.of(), false);
            default -> throw new IllegalStateException("unrouted path " + path);
        };
    }

    private AdmissionServer started() {
        LOG.info("admission webhook listening on https://{}:{} (TLS {}, HTTP/2 and HTTP/1.1){}",
                ((InetSocketAddress) https.localAddress()).getHostString(), port(), tls.providerName(),
                management == null ? "" : " (management on http port " + managementPort().getAsInt() + ")");
        return this;
    }

    /** Configuration; {@link #handler} or {@link #handlers}, and {@link #identity}, are required. */
    public static final class Builder {
        private Function<String, AdmissionHandler> handlers;
        private Supplier<ServingIdentity> identity;
        private InetAddress bindAddress;
        private int port = 9443;
        private OptionalInt managementPort = OptionalInt.empty();
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int threads = Runtime.getRuntime().availableProcessors() + 2;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private int queueCapacity = 256;
        private int backlog = 1024;
        private int maxConnections = 2048;
        private int keptConnectionBound = DEFAULT_KEPT_CONNECTION_BOUND;
        private int openConnectionBound = DEFAULT_OPEN_CONNECTION_BOUND;
        private Duration idleAtBound = DEFAULT_IDLE_AT_BOUND;
        private Duration acceptWait = DEFAULT_ACCEPT_WAIT;
        private int acceptQueue = backlog;
        /** 0: one per network thread (ioThreads). */
        private int handshakeSlots;
        private Duration silentSlot = HandshakeGate.SILENT_SLOT;
        private Duration slot = HandshakeGate.HANDSHAKE_SLOT;
        private double handshakeBusyShare = DEFAULT_HANDSHAKE_BUSY_SHARE;
        private int maxConcurrentStreams = 128;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(120);
        private TlsContexts.Provider tlsProvider = TlsContexts.Provider.AUTO;
        private boolean inlineDecisions;
        private Duration shedAfter = DEFAULT_SHED_AFTER;
        private WebhookMetrics metrics;
        private BooleanSupplier readiness = () -> true;
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private WebhookWarmUp.Plan warmUp;

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

        /** Consulted on every new TLS connection; may return null until a certificate exists. */
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

        /** Threads that run decisions. Default: cores + 2 (the work is CPU, with a rare API lookup). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            this.threads = threads;
            return this;
        }

        /** Event loops for TLS and HTTP framing. Default: one per core. */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** Admissions that may wait for a decision thread; one more is answered 429 at once. Default 256. */
        public Builder queueCapacity(int capacity) {
            if (capacity < 0) {
                throw new IllegalArgumentException("queueCapacity must not be negative");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** Open HTTPS connections at most; at the limit the one idle longest is closed. Default 2048. */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1");
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * Kept-alive HTTPS connections (a request on each asked for keep-alive and was answered)
         * from which new connections are accepted slowly (HandshakeGate): one per 100 ms, and one in
         * place of a connection idle for {@link #DEFAULT_IDLE_AT_BOUND} (closed); the rest wait, up
         * to {@link #acceptWait} and as many as the listening socket's backlog, and their clients' requests are answered
         * on the connections already open; beyond that they are refused (reset). A client that dials whenever its kept connections are busy (the API server beyond
         * the webhook's capacity) can then neither bury the server in handshakes nor push it to
         * {@link #maxConnections}, where idle connections are evicted between two requests and the
         * client dials more. Connections that serve one request and close do not count. Default
         * {@link #DEFAULT_KEPT_CONNECTION_BOUND} (bench/RESULTS.md, 2026-12-04); at most
         * maxConnections.
         */
        public Builder keptConnectionBound(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("keptConnectionBound must be at least 1");
            }
            this.keptConnectionBound = max;
            return this;
        }

        /**
         * Open HTTPS connections, kept or not, from which new ones are accepted as at
         * {@link #keptConnectionBound}: room for clients that open a connection per request (each
         * open until its handshake and its one answer are done), and a cap on how many come in at
         * once after a lull, well below {@link #maxConnections} and its eviction. Default
         * {@link #DEFAULT_OPEN_CONNECTION_BOUND}; at most maxConnections.
         */
        public Builder openConnectionBound(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("openConnectionBound must be at least 1");
            }
            this.openConnectionBound = max;
            return this;
        }

        /**
         * At a bound ({@link #keptConnectionBound}, {@link #openConnectionBound}), how long a new
         * connection may wait to be taken in before it is refused (reset, before any TLS): beyond
         * capacity the client's excess calls fail fast instead of waiting for their timeout while
         * their dials hold its descriptors. At most as many as the listening socket's backlog (1024)
         * wait; beyond that the one waiting longest is refused (its dial most likely lost the race
         * to an open connection already: the client uses whichever comes first). Default {@link #DEFAULT_ACCEPT_WAIT}.
         */
        public Builder acceptWait(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("acceptWait must not be negative");
            }
            this.acceptWait = wait;
            return this;
        }

        /**
         * TLS handshakes in progress at once on the HTTPS port while clients keep their connections
         * alive; while that many are, new connections wait to be taken in, and each finished
         * handshake lets the next one in (see HandshakeGate). A client that starts with no
         * connection under a high rate (the API server after a restart) then gets its first
         * connections within milliseconds instead of all of its dials at once, late.
         * {@link Integer#MAX_VALUE} for no limit. Default: one per network thread
         * ({@link #ioThreads}; bench/RESULTS.md, 2026-12-07, with 1, 2, 4 and 8 on 2 cores).
         */
        public Builder handshakeSlots(int slots) {
            if (slots < 1) {
                throw new IllegalArgumentException("handshakeSlots must be at least 1");
            }
            this.handshakeSlots = slots;
            return this;
        }

        /**
         * How long a connection holds its handshake slot at most: {@code silent} if it has sent
         * nothing by then, else {@code slot} (tests lengthen them; defaults 10 and 50 ms).
         */
        Builder handshakeSlotTimes(Duration silent, Duration slot) {
            this.silentSlot = positive(silent, "silent");
            this.slot = positive(slot, "slot");
            return this;
        }

        /** How many connections may wait at a bound (see {@link #acceptWait}). Default 1024, as the backlog. */
        Builder acceptQueue(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("acceptQueue must not be negative");
            }
            this.acceptQueue = max;
            return this;
        }

        /** See {@link #DEFAULT_IDLE_AT_BOUND} (tests shorten it). */
        Builder idleAtBound(Duration idle) {
            this.idleAtBound = positive(idle, "idleAtBound");
            return this;
        }

        /** Time from accepting a connection to a finished TLS handshake. Default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Time from a request's first line to the last byte of its body; later, the client gets 408
         * and the connection closes. Default 10 s (the API server's default webhook timeout).
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * A connection without traffic for this long is closed. Default 120 s: longer than the
         * 90 s the API server's Go client keeps an idle connection, so the client closes first and
         * never sends a request into a connection we are closing.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** HTTP/2 streams per connection. Default 128. */
        public Builder maxConcurrentStreams(int max) {
            this.maxConcurrentStreams = max;
            return this;
        }

        /** Default AUTO: BoringSSL when netty-tcnative loads, else the JDK. JDK and OPENSSL are for measurements. */
        public Builder tlsProvider(String provider) {
            this.tlsProvider = TlsContexts.Provider.valueOf(provider);
            return this;
        }

        /**
         * Decide on the event loop that read the request instead of handing it to the decision pool:
         * on few cores the hand-over costs more than the decision (bench/RESULTS.md). For handlers
         * whose every blocking step calls {@link Offload#beforeBlocking()} first (then that request is
         * decided on the pool), or that never block. Default false: a handler that blocks without
         * saying so would stall every connection of its event loop.
         */
        public Builder inlineDecisions(boolean inline) {
            this.inlineDecisions = inline;
            return this;
        }

        /**
         * New connections wait (the listening socket stops accepting; they queue in the kernel's
         * backlog) while an event loop spends more than this share of its time in reads and
         * requests on kept-alive connections take a fifth of it or more; a connection every 5 ms
         * is still accepted, and the waiting ones are taken in gradually once the loops are calm
         * (HandshakeGate). Keeps a client that dials a new connection whenever its open
         * ones are busy (the API server) from burying the server in handshakes. 1 turns it off.
         * Default {@link #DEFAULT_HANDSHAKE_BUSY_SHARE}.
         */
        public Builder handshakeBusyShare(double share) {
            if (!(share > 0 && share <= 1)) {
                throw new IllegalArgumentException("handshakeBusyShare must be in (0, 1]");
            }
            this.handshakeBusyShare = share;
            return this;
        }

        /**
         * With inline decisions: once an event loop has been busy without a break for this long and
         * has decided a request in that time, requests queue in front of it, and the admissions it
         * reads are answered 429 with
         * {@code Retry-After: 1} (the API server's client retries them) without being decided,
         * until it catches up; warm-up requests are always decided. Bounds the wait of the requests
         * that are decided, and turns offered load beyond capacity into fast refusals instead of
         * a backlog that grows until callers time out. Default off ({@link #DEFAULT_SHED_AFTER}):
         * measured at 200 ms (bench/RESULTS.md, 2026-12-03 16:43), it refused requests while the JIT
         * was still cold (a fresh server under a closed loop of 32 callers: 717 answers/s against
         * 1,272 without it) and at 3,000/s offered turned most client timeouts into 429s without
         * more answers; bench/ can turn it on (WebhookServerMain {@code --shed-after}).
         */
        public Builder shedAfter(Duration after) {
            if (after.isNegative()) {
                throw new IllegalArgumentException("shedAfter must not be negative");
            }
            this.shedAfter = after;
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

        /**
         * Before readiness, send the server synthetic admissions through its own TLS endpoint
         * ({@link WebhookWarmUp}). Default: none (ready at once).
         */
        public Builder warmUp(WebhookWarmUp.Plan plan) {
            this.warmUp = plan;
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
                return new AdmissionServer(this).started().startWarmUp();
            } catch (Exception e) {
                // Netty rethrows the bind's IOException (a checked exception) as it is.
                if (e instanceof java.io.IOException io) {
                    throw new java.io.UncheckedIOException("cannot bind admission webhook port " + port, io);
                }
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e);
            }
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
