package dev.meshoperator.webhook;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds back new connections while the event loops are crowded with requests on kept-alive
 * connections, so that under a burst those requests go first and the server does not collapse
 * into handshaking.
 *
 * <p>Why: a client such as the API server (Go's HTTP transport) that finds every kept-alive
 * connection busy dials a new one and hands the request to whichever comes first, the new
 * connection or an open one that frees up; it keeps 25 idle connections and closes the rest. When
 * the server falls behind, the client dials more; accepting and handshaking those connections
 * takes CPU the requests needed, the server falls further behind, and it collapses (bench/RESULTS.md:
 * 3,000 requests/s offered, 2,000 connections, a third to a half answered). Not accepted, a dial waits in the
 * kernel's accept queue and loses the race to an open connection; the request is answered on that
 * one, and the waiting connection is taken in later, when the loops have time.
 *
 * <p>How: each event loop measures, over windows of {@link #WINDOW_NANOS} (ended early once busier
 * than the threshold), the wall time its reads take (with inline decisions: decrypting, deciding,
 * answering) and the CPU time of the reads on kept connections (those that answered a request that
 * asked for keep-alive; CPU, because on a saturated machine wall time also counts the waits for a
 * core). A loop is crowded when its reads took more than the threshold of the window and the kept
 * connections' more than {@link #KEPT_SHARE} of it: clients that open a connection per request
 * need their handshakes, which then are the work and are not held back. A crowded loop makes the
 * listening socket stop accepting. While held, every {@link #TICK_NANOS} it accepts one connection if
 * a loop is still crowded (a client that needs a connection gets one, slowly), else a budget that
 * doubles each calm tick up to {@link #ACCEPTS_PER_READ} (a queue of waiting connections is taken
 * in gradually, not all at once, which would crowd the loops again); after {@link #CALM_NANOS}
 * without crowding it accepts freely again.
 *
 * <p>One gate per listening socket; each connection gets its own {@link #probe()}, right after
 * {@link Connections} in its pipeline. A loop's counters are touched only on its thread; the hold state only on the listening
 * channel's loop.
 */
final class HandshakeGate {

    static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** The share of a window that kept connections' reads must take (CPU) for them to be protected. */
    static final double KEPT_SHARE = 0.2;
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final long CALM_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Netty's default for a listening socket: connections accepted per read when not held. */
    static final int ACCEPTS_PER_READ = 16;

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final double threshold;
    private final Runnable onHold;
    private final CopyOnWriteArrayList<Loop> all = new CopyOnWriteArrayList<>();
    private final AtomicLong holds = new AtomicLong();
    private final FastThreadLocal<Loop> loops = new FastThreadLocal<>() {
        @Override
        protected Loop initialValue() {
            Loop l = new Loop();
            all.add(l);
            return l;
        }
    };
    private volatile Channel listener;
    private volatile boolean held;
    // Touched only on the listening channel's event loop.
    private int budget;
    private long calmSince;

    /**
     * @param threshold share of an event loop's wall time spent in reads, in (0, 1], above which
     *     it may be crowded; 1 turns the gate off
     * @param onHold called each time accepting is held back (a metric)
     */
    HandshakeGate(double threshold, Runnable onHold) {
        this.threshold = threshold;
        this.onHold = onHold;
    }

    /** The listening channel to hold and release; before this, the gate only measures. */
    void listener(Channel channel) {
        this.listener = channel;
    }

    /** How often accepting was held back, since start. */
    long holds() {
        return holds.get();
    }

    /** Whether accepting is held back now. */
    boolean held() {
        return held;
    }

    /** A new connection's probe, right after Connections in its pipeline: times its reads. */
    ChannelHandler probe() {
        return new Probe();
    }

    /** Times a connection's reads; kept or not is {@link Connections.State#keptAlive}. */
    private final class Probe extends ChannelInboundHandlerAdapter {
        private Connections.State connection;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            connection = Connections.of(ctx.channel()); // set by Connections, before this in the pipeline
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // read before: this read may answer the connection's first request and set it
            boolean wasKept = connection != null && connection.keptAlive;
            long start = System.nanoTime();
            long cpu = wasKept ? CPU.getCurrentThreadCpuTime() : 0;
            try {
                ctx.fireChannelRead(msg);
            } finally {
                loops.get().read(wasKept ? CPU.getCurrentThreadCpuTime() - cpu : 0, start, System.nanoTime());
            }
        }
    }

    /** Per event loop: touched only on its thread except the two volatile fields. */
    private final class Loop {
        long windowStart = System.nanoTime();
        long busy;
        long keptCpu;
        volatile boolean crowded;
        volatile long lastRead;

        void read(long keptCpuTaken, long start, long now) {
            busy += now - start;
            keptCpu += keptCpuTaken;
            lastRead = now;
            long span = now - windowStart;
            // a window already busier than the threshold of a whole one ends early: a burst is
            // seen within a fraction of a window
            if (span < WINDOW_NANOS && busy <= threshold * WINDOW_NANOS) {
                return;
            }
            span = Math.max(span, WINDOW_NANOS);
            crowded = busy > threshold * span && keptCpu > KEPT_SHARE * span;
            windowStart = now;
            busy = 0;
            keptCpu = 0;
            if (crowded) {
                hold();
            }
        }
    }

    private static void acceptsPerRead(Channel server, int n) {
        server.config().<MaxMessagesRecvByteBufAllocator>getRecvByteBufAllocator().maxMessagesPerRead(n);
    }

    /** Some loop's last window was crowded, and it has read since (a loop gone quiet is not). */
    private boolean crowded(long now) {
        for (Loop l : all) {
            if (l.crowded && now - l.lastRead < WINDOW_NANOS) {
                return true;
            }
        }
        return false;
    }

    /** A loop is crowded: from accepting freely to accepting by budget. */
    private void hold() {
        Channel server = listener;
        if (server == null || threshold >= 1.0 || held) {
            return;
        }
        server.eventLoop().execute(() -> {
            if (held || !server.isOpen()) {
                return;
            }
            held = true;
            holds.incrementAndGet();
            onHold.run();
            budget = 1;
            calmSince = 0;
            server.config().setAutoRead(false);
            server.eventLoop().schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
        });
    }

    /** While held, every {@link #TICK_NANOS} on the listening channel's loop. */
    private void tick() {
        Channel server = listener;
        if (!held || server == null || !server.isOpen()) {
            return;
        }
        long now = System.nanoTime();
        int accept;
        if (crowded(now)) {
            budget = 1;
            calmSince = 0;
            accept = 1;
        } else {
            if (calmSince == 0) {
                calmSince = now;
            } else if (now - calmSince >= CALM_NANOS) {
                held = false;
                acceptsPerRead(server, ACCEPTS_PER_READ);
                server.config().setAutoRead(true);
                return;
            }
            accept = budget;
            budget = Math.min(ACCEPTS_PER_READ, budget * 2);
        }
        acceptsPerRead(server, accept);
        server.read();
        server.eventLoop().schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
    }
}
