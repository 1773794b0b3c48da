package dev.meshoperator.webhook;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange at a time on an HTTP/1.1 connection or an HTTP/2 stream: checks the request
 * head, collects the body up to the limit and within the request timeout, hands the decision to
 * the server's pool (or refuses at once at the in-flight limit), and writes the reply. Lives on
 * its channel's event loop; only the decision runs elsewhere.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);

    private enum Phase { IDLE, BODY, DISCARD, DECIDING, DONE_READING }

    /** The most of a refused request's body read and dropped before its connection closes. */
    private static final long MAX_DISCARDED_BYTES = 8L * 1024 * 1024;

    private final AdmissionServer server;
    private final boolean admissions;
    private final AdmissionServer.Settings settings;

    private Phase phase = Phase.IDLE;
    private boolean inExchange;
    private boolean replied;
    private boolean requestRead;
    private boolean keepAlive;
    private boolean head;
    private boolean injectPath;
    private boolean closeAfterRead;
    private boolean cutting;
    private long discarded;
    private long started;
    private ByteBuf body;
    private AdmissionHandler handler;
    private ScheduledFuture<?> deadline;
    private Connections.State connection;
    /** This exchange's endpoint and metrics: the server's, or the warm-up's for a warm-up request. */
    private InjectEndpoint inject;
    private WebhookMetrics metrics;

    /** @param admissions whether /inject is served here (HTTPS) or only health and metrics (management port) */
    ExchangeHandler(AdmissionServer server, boolean admissions) {
        this.server = server;
        this.admissions = admissions;
        this.settings = server.settings();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                begin(ctx, request);
            }
            if (msg instanceof HttpContent content) {
                content(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) {
        if (inExchange) {
            // HTTP/1.1 pipelining while a decision is running: not used by the API server; refuse.
            reply(ctx, Reply.text(400, "one request at a time on a connection").closing());
            return;
        }
        inExchange = true;
        replied = false;
        closeAfterRead = false;
        cutting = false;
        discarded = 0;
        requestRead = false;
        started = System.nanoTime();
        connection = Connections.of(ctx.channel());
        connection.begin();
        server.exchanges.incrementAndGet();
        keepAlive = HttpUtil.isKeepAlive(request);
        head = HttpMethod.HEAD.equals(request.method());
        deadline = ctx.executor().schedule(() -> timedOut(ctx), settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        if (request.decoderResult().isFailure()) {
            phase = Phase.DISCARD;
            reply(ctx, Reply.text(400, "malformed HTTP request").closing());
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        injectPath = admissions && InjectEndpoint.matches(path);
        if (!injectPath) {
            phase = Phase.DISCARD;
            reply(ctx, server.serveOperational(request.method().name(), path));
            return;
        }
        boolean warmUp = server.isWarmUpRequest(request.headers().get(WebhookWarmUp.TOKEN_HEADER));
        inject = warmUp ? server.warmUpInject() : server.inject();
        metrics = warmUp ? server.warmUpMetrics() : server.metrics();
        metrics.request();
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        OptionalLong declared = OptionalLong.empty();
        if (length != null) {
            try {
                declared = OptionalLong.of(Long.parseLong(length.trim()));
            } catch (NumberFormatException e) {
                // the HTTP codec refuses such requests already; nothing to decide on here
            }
        }
        InjectEndpoint.Admission admission = inject.admit(request.method().name(), path,
                request.headers().get(HttpHeaderNames.CONTENT_TYPE), declared);
        if (admission instanceof InjectEndpoint.Refused refused) {
            phase = Phase.DISCARD;
            reply(ctx, refused.reply());
            return;
        }
        handler = ((InjectEndpoint.Accepted) admission).handler();
        long limit = inject.maxRequestBytes();
        body = ctx.alloc().heapBuffer((int) Math.min(declared.orElse(8192), limit));
        phase = Phase.BODY;
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (phase == Phase.BODY) {
            ByteBuf chunk = content.content();
            long limit = inject.maxRequestBytes();
            if ((long) body.readableBytes() + chunk.readableBytes() > limit) {
                releaseBody();
                phase = Phase.DISCARD;
                reply(ctx, inject.tooLarge("request body exceeds the limit of " + limit + " bytes").reply());
            } else {
                body.writeBytes(chunk);
                if (last) {
                    requestRead = true;
                    cancelDeadline();
                    decide(ctx);
                }
            }
            return;
        }
        if (phase == Phase.DISCARD) {
            discarded += content.content().readableBytes();
            if (last) {
                requestRead = true;
                phase = Phase.DONE_READING;
                cancelDeadline();
                boolean close = closeAfterRead;
                finishIfComplete();
                if (close) {
                    ctx.close();
                }
            } else if (closeAfterRead && discarded > MAX_DISCARDED_BYTES) {
                ctx.close();
            }
        }
    }

    private void decide(ChannelHandlerContext ctx) {
        byte[] bytes = ByteBufUtil.getBytes(body);
        releaseBody();
        phase = Phase.DECIDING;
        AdmissionHandler chosen = handler;
        handler = null;
        // read here, on the event loop, for the decision thread
        InjectEndpoint endpoint = inject;
        WebhookMetrics exchangeMetrics = metrics;
        // an HTTP/2 stream's parent is its connection; an HTTP/1.1 connection's parent is the listener
        Object remote = ctx.channel().parent() instanceof io.netty.channel.socket.SocketChannel connection
                ? connection.remoteAddress() : ctx.channel().remoteAddress();
        if (settings.inline()) {
            if (endpoint != server.warmUpInject() && server.behind()) {
                // This event loop has been busy for longer than the shedding threshold without a pause:
                // requests are queueing in front of it. A decision would make it later still for all
                // that wait; a 429 costs little and the API server's client retries it after Retry-After.
                metrics.failed(WebhookMetrics.FAILURE_OVERLOADED);
                reply(ctx, Reply.text(429, "mesh-operator sidecar injector: overloaded; retry")
                        .withHeader("Retry-After", "1"));
                return;
            }
            Reply inline;
            try {
                inline = Offload.nonBlocking(() -> decideSafely(endpoint, chosen, bytes, remote));
            } catch (Offload.Required e) {
                inline = null; // the handler would block: decide on the pool instead
            }
            if (inline != null) {
                server.decidedInline();
                reply(ctx, inline);
                return;
            }
        }
        if (server.inFlight.incrementAndGet() > settings.maxInFlight()) {
            server.inFlight.decrementAndGet();
            metrics.failed(WebhookMetrics.FAILURE_OVERLOADED);
            // Fast failure instead of an unbounded queue: the API server's client retries a 429
            // after Retry-After, within its webhook timeout.
            reply(ctx, Reply.text(429, "mesh-operator sidecar injector: too many admissions in flight ("
                    + settings.maxInFlight() + "); retry").withHeader("Retry-After", "1"));
            return;
        }
        boolean queued = server.submit(() -> {
            Reply reply;
            try {
                if (!ctx.channel().isActive()) {
                    // The caller gave up (its timeout, a closed connection) while this waited:
                    // nobody would read the answer, and under overload the work is better spent
                    // on callers still waiting.
                    exchangeMetrics.failed(WebhookMetrics.FAILURE_ABANDONED);
                    return;
                }
                reply = decideSafely(endpoint, chosen, bytes, remote);
            } finally {
                server.inFlight.decrementAndGet();
            }
            Reply answer = reply;
            ctx.executor().execute(() -> reply(ctx, answer));
        });
        if (!queued) {
            server.inFlight.decrementAndGet();
            reply(ctx, Reply.text(503, "mesh-operator sidecar injector: shutting down").closing());
        }
    }

    private static Reply decideSafely(InjectEndpoint endpoint, AdmissionHandler chosen, byte[] bytes, Object remote) {
        try {
            return endpoint.decide(chosen, bytes, remote);
        } catch (Offload.Required e) {
            throw e;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw e;
            }
            LOG.warn("unexpected failure serving an admission request", e);
            return Reply.text(500, "internal error").closing();
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        deadline = null;
        if (!inExchange || requestRead) {
            return;
        }
        Duration limit = Duration.ofMillis(settings.requestTimeoutMillis());
        LOG.debug("request from {} not received within {}; closing", ctx.channel().remoteAddress(), limit);
        releaseBody();
        if (replied) {
            // answered already (a refusal on the head) but the body never ended
            ctx.close();
            return;
        }
        if (injectPath) {
            metrics.failed(WebhookMetrics.FAILURE_TIMEOUT);
        }
        phase = Phase.DISCARD;
        cutting = true;
        reply(ctx, Reply.text(408, "request not received within " + limit.toMillis() + " ms").closing());
    }

    private void reply(ChannelHandlerContext ctx, Reply reply) {
        if (replied || !ctx.channel().isActive()) {
            replied = true;
            finishIfComplete();
            return;
        }
        replied = true;
        boolean close = reply.close() || !keepAlive;
        ByteBuf content = head || reply.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            response.headers().set(h.getKey(), h.getValue());
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (injectPath) {
            metrics.recordLatency(Duration.ofNanos(System.nanoTime() - started));
        }
        var written = ctx.writeAndFlush(response);
        written.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("reply to {} not written: {}", ctx.channel().remoteAddress(), f.cause().toString());
            }
        });
        if (close && !requestRead && phase == Phase.DISCARD && !cutting) {
            // Refused before its body was read: closing now, with the client still sending, would
            // reset the connection and could destroy the reply before the client reads it. Read
            // and drop the rest (bounded by the request timeout and MAX_DISCARDED_BYTES), then close.
            closeAfterRead = true;
        } else if (close) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        if (phase == Phase.DECIDING) {
            phase = Phase.DONE_READING;
        }
        finishIfComplete();
    }

    // An exchange ends when its reply is written and its request read to the end.
    private void finishIfComplete() {
        if (inExchange && replied && (requestRead || phase == Phase.DONE_READING)) {
            endExchange();
        }
    }

    private void endExchange() {
        connection.answered(keepAlive);
        inExchange = false;
        phase = Phase.IDLE;
        injectPath = false;
        cancelDeadline();
        connection.end();
        server.exchanges.decrementAndGet();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseBody();
        if (inExchange) {
            endExchange();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("exchange with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
