package dev.meshoperator.webhook;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * listening socket stop accepting. While held, every {@link #TICK_NANOS} it accepts one connection
 * (a client that needs a connection gets one, slowly; a queue of waiting connections is taken in
 * gradually, not all at once, which would crowd the loops again); after {@link #CALM_NANOS}
 * without crowding it accepts freely again.
 *
 * <p>A bound on kept-alive connections ({@code keptLimit}) holds accepting back in calm moments
 * too. A client short of answers keeps dialing, and each time the loops calmed down for a moment
 * (the client itself short of CPU, sending less) the dials queued meanwhile (up to the kernel's
 * backlog, 1,024) came in at once, their handshakes crowded the loops, the count reached the hard
 * limit of {@link Connections} and evicting idle connections closed the client's kept ones between
 * two requests, which made it dial more: the collapse beyond capacity in bench/RESULTS.md
 * (2026-12-03/04). Once that many connections are kept alive, one waiting connection is taken in
 * per {@link #CALM_NANOS} (a client with none still gets one); each taken in closes the connection
 * idle longest if it has been idle for seconds ({@code closeIdle}: its client does not need it,
 * or hoards it), and while that works one is taken in per tick. Meanwhile dials wait in the
 * kernel's queue (bounded: beyond it the kernel drops SYNs and the client resends them) and their
 * requests are answered on the connections already open. Only kept connections count: a client
 * that opens a connection per request needs many open at once, each waiting for its handshake and
 * its one answer, and closes each itself (bounded at 64 open connections, 1,500 new connections/s
 * stalled in bench/RESULTS.md, 2026-12-04). A second, higher bound on all open connections
 * ({@code openLimit}) does the same: when a lull of the client's lets the kept ones fall below
 * theirs (it closes those it does not need), no more than that many come in at once, so the count
 * never reaches the hard limit of {@link Connections}, whose eviction stays for hoarders.
 *
 * <p>Handshake slots ({@code handshakeSlots}, by default one per event loop) bound the TLS
 * handshakes in progress at once: while that many connections taken in have not finished theirs, new ones wait (unread,
 * in this gate's queue, then in the kernel's) and each finished handshake lets the next one in. A
 * client that starts with no connection (the API server after a restart, a load tool) under a high
 * rate dials one for every request that finds none free; taken in all at once, those handshakes
 * shared the event loops and every one of them finished late, so every request waited for one, and
 * the client, finding none free, dialed more: at 3,000 requests/s a fresh client's first 100-300 ms
 * went to 100-250 connections and 40-100 ms answers in about half the runs (bench/RESULTS.md,
 * 2026-12-06/07). Taken in a few at a time, the first connections are ready within milliseconds, the
 * requests are answered on them, and the dials that lose the race to them wait cheaply. The slots
 * apply only while the connections' first requests ask for keep-alive (a moving average over about
 * the last 16): a client that opens a connection per request needs a handshake for every request,
 * and limiting them only cut its rate. A slot is given up when the handshake ends or fails, when
 * the connection closes, 10 ms after it was taken in if it has sent nothing (a silent connection
 * holds no slot for long), and 50 ms after in any case (a stalled or very slow handshake does not
 * stop accepting).
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
    /** At the bound, connections accepted per tick into the waiting queue (a drain of the kernel's). */
    static final int DRAIN_PER_TICK = 256;
    static final long REFUSAL_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * A handshake that has not finished this long after its connection was taken in gives its slot
     * up (see {@link #handshakeSlots}): a client that connects and sends nothing, or a saturated
     * machine, never stops accepting for longer.
     */
    static final Duration HANDSHAKE_SLOT = Duration.ofMillis(50);
    /**
     * A connection that has sent nothing this long after it was taken in gives its handshake slot
     * up: a client sends its ClientHello as soon as it is connected, so a silent connection (a port
     * scanner, a client that opens connections ahead of need) holds no slot for long.
     */
    static final Duration SILENT_SLOT = Duration.ofMillis(10);
    /** Set on a connection taken in while its handshake holds a slot. */
    private static final AttributeKey<Boolean> IN_HANDSHAKE = AttributeKey.valueOf(HandshakeGate.class, "inHandshake");

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeGate.class);

    private final double threshold;
    private final int keptLimit;
    private final Runnable onHold;
    private final Runnable onBound;
    private final java.util.function.BooleanSupplier closeIdle;
    private final java.util.function.IntSupplier kept;
    private final int openLimit;
    private final java.util.function.IntSupplier open;
    private final AtomicLong bounds = new AtomicLong();
    private final long maxWaitNanos;
    private final int waitingCap;
    private final Runnable onRefused;
    private final AtomicLong refused = new AtomicLong();
    private final CopyOnWriteArrayList<Loop> all = new CopyOnWriteArrayList<>();
    private final int handshakeSlots;
    private final long slotNanos;
    private final long silentSlotNanos;
    private final Runnable onSlotWait;
    /** Connections taken in whose handshake holds a slot (see {@link #handshakeSlots}). */
    private final AtomicInteger handshaking = new AtomicInteger();
    /** Accepting stopped because every slot was taken; set and cleared on the listening channel's loop. */
    private volatile boolean slotsFull;
    private final AtomicLong slotWaits = new AtomicLong();
    /**
     * Of the connections whose first request was answered lately, the share whose request asked
     * for keep-alive, in 1/1024: a moving average over about the last 16. Starts at all of them.
     */
    private final AtomicInteger keptShare = new AtomicInteger(1024);
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
    private long calmSince;
    private boolean atBound;
    private long lastAccept;
    /** The last connection taken in beyond the bound replaced one idle for long. */
    private boolean replaced;
    /** Connections the next reads may take in at the bound (granted by {@link #tick}). */
    private int grants;
    /** At the bound: connections accepted but not taken in yet, oldest first (not read: no handshake). */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private ChannelHandlerContext acceptorContext;
    private long refusedSinceLog;
    private long lastRefusalLog;

    private record Waiting(Channel channel, long since) {
    }

    /**
     * @param threshold share of an event loop's wall time spent in reads, in (0, 1], above which
     *     it may be crowded; 1 turns the crowding half off
     * @param keptLimit kept-alive connections from which new ones are accepted slowly
     * @param kept the kept-alive connections open now ({@link Connections#kept})
     * @param openLimit open connections (kept or not) from which new ones are accepted slowly
     * @param open the connections open now ({@link Connections#open})
     * @param onHold called each time accepting is held back because a loop is crowded (a metric)
     * @param onBound called each time a bound is reached (a metric)
     * @param closeIdle at the bound, closes the connection idle longest if it has been idle for
     *     long (seconds), and says whether it did ({@link Connections#closeIdlest})
     * @param maxWait at the bound, how long an accepted connection may wait to be taken in before
     *     it is refused (reset)
     * @param waitingCap at the bound, how many accepted connections may wait; beyond it the one
     *     waiting longest is refused
     * @param onRefused called for each connection refused (a metric)
     * @param handshakeSlots TLS handshakes in progress at once; while that many are, new connections
     *     wait (each slot is given up {@link #HANDSHAKE_SLOT} after its connection was taken in
     *     at the latest); {@link Integer#MAX_VALUE} for no such limit
     * @param onSlotWait called for each connection that waits for a slot (a metric)
     * @param silentSlot how long a connection that has sent nothing holds its slot (at most)
     * @param slot how long a connection holds its slot (at most)
     */
    HandshakeGate(double threshold, int keptLimit, java.util.function.IntSupplier kept, int openLimit,
            java.util.function.IntSupplier open, Runnable onHold, Runnable onBound,
            java.util.function.BooleanSupplier closeIdle, Duration maxWait, int waitingCap, Runnable onRefused,
            int handshakeSlots, Runnable onSlotWait, Duration silentSlot, Duration slot) {
        if (keptLimit < 1 || handshakeSlots < 1) {
            throw new IllegalArgumentException("keptLimit and handshakeSlots must be at least 1");
        }
        this.handshakeSlots = handshakeSlots;
        this.onSlotWait = onSlotWait;
        this.silentSlotNanos = silentSlot.toNanos();
        this.slotNanos = Math.max(slot.toNanos(), silentSlotNanos);
        if (waitingCap < 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("waitingCap and maxWait must not be negative");
        }
        this.maxWaitNanos = maxWait.toNanos();
        this.waitingCap = waitingCap;
        this.onRefused = onRefused;
        this.threshold = threshold;
        this.keptLimit = keptLimit;
        this.onHold = onHold;
        this.onBound = onBound;
        this.closeIdle = closeIdle;
        this.kept = kept;
        this.openLimit = openLimit;
        this.open = open;
    }

    /**
     * The listening channel's handler, before Netty's acceptor: at the bound, makes each accepted
     * connection replace one idle for long, and stops accepting before the next one.
     */
    ChannelHandler acceptor() {
        return new Acceptor();
    }

    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            acceptorContext = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Channel child)) {
                ctx.fireChannelRead(msg);
            } else if (grants > 0) {
                grants--;
                takeIn(child);
            } else if (full()) {
                // at the bound: waits here, unread, until granted (oldest first) or refused
                reachedBound(ctx.channel());
                if (waitingCap == 0) {
                    refuse(child);
                    return;
                }
                enqueue(child);
            } else if (handshaking.get() >= slots()) {
                // every slot taken: waits here, unread, for one (slotFreed), and the listening
                // socket stops reading; later dials wait in the kernel's queue
                slotsFull = true;
                slotWaits.incrementAndGet();
                onSlotWait.run();
                ctx.channel().config().setAutoRead(false);
                enqueue(child);
                // a slot may have been freed between the count above and the flag (its
                // handshakeOver saw no flag, so it asked for no slotFreed)
                if (handshaking.get() < slots()) {
                    slotFreed();
                }
            } else {
                admit(child);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (held || slotsFull) {
                // one read per tick while held (see tick)
                ctx.channel().config().setAutoRead(false);
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (Waiting w; (w = waiting.poll()) != null; ) {
                close(w.channel());
            }
            ctx.fireChannelInactive();
        }
    }

    /**
     * On the listening channel's loop: a connection waits in the gate's queue, unread. With the queue
     * at its cap, the one waiting longest goes: its dial most likely lost the race to an open
     * connection already (the client uses whichever comes first), a new one's not yet.
     */
    private void enqueue(Channel child) {
        if (waitingCap > 0 && waiting.size() >= waitingCap) {
            refuse(waiting.poll().channel());
        }
        waiting.add(new Waiting(child, System.nanoTime()));
    }

    /** On the listening channel's loop: hands a connection on to be set up and read. */
    private void takeIn(Channel child) {
        if (full()) {
            // taken in at the bound: in place of a connection idle for long, if any
            replaced = closeIdle.getAsBoolean();
            reachedBound(acceptorContext.channel());
        }
        admit(child);
    }

    /** On the listening channel's loop: hands a connection on; its handshake takes a slot. */
    private void admit(Channel child) {
        if (handshakeSlots != Integer.MAX_VALUE) {
            child.attr(IN_HANDSHAKE).set(Boolean.TRUE);
            handshaking.incrementAndGet();
            child.closeFuture().addListener(f -> handshakeOver(child));
        }
        acceptorContext.fireChannelRead(child);
    }

    /**
     * A connection's handshake finished, failed, ran out of its slot's time, or the connection
     * closed (any thread; once per connection): its slot is free.
     */
    private void handshakeOver(Channel child) {
        if (child.attr(IN_HANDSHAKE).getAndSet(null) == null) {
            return;
        }
        if (handshaking.decrementAndGet() < slots() && slotsFull) {
            Channel server = listener;
            if (server != null) {
                server.eventLoop().execute(this::slotFreed);
            }
        }
    }

    /** On the listening channel's loop: a slot is free; the waiting first, then accepting again. */
    private void slotFreed() {
        if (!slotsFull) {
            return;
        }
        while (!waiting.isEmpty() && handshaking.get() < slots() && !full()) {
            takeIn(waiting.poll().channel());
        }
        if (handshaking.get() < slots() && waiting.isEmpty()) {
            slotsFull = false;
            Channel server = listener;
            if (!held && server != null && server.isOpen()) {
                server.config().setAutoRead(true);
            }
        }
    }

    /**
     * After the TLS handler: frees the connection's handshake slot when the handshake is over
     * ({@link Probe} frees it earlier if it takes too long).
     */
    ChannelHandler handshakeWatch() {
        return new HandshakeWatch();
    }

    private final class HandshakeWatch extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            super.userEventTriggered(ctx, evt);
            if (evt instanceof SslHandshakeCompletionEvent) {
                handshakeOver(ctx.channel());
                ctx.pipeline().remove(this);
            }
        }
    }

    /**
     * A connection's first request was answered (its event loop); it asked for keep-alive or not.
     */
    void firstAnswer(boolean keptAlive) {
        keptShare.updateAndGet(v -> v + (((keptAlive ? 1024 : 0) - v) >> 4));
    }

    /**
     * Handshakes allowed in progress at once now: {@link #handshakeSlots} while the clients keep
     * their connections alive (a new connection is one more to share the requests), no limit while
     * most open a connection per request (each handshake is a request's).
     */
    private int slots() {
        return keptShare.get() >= 512 ? handshakeSlots : Integer.MAX_VALUE;
    }

    /** Connections that waited for a handshake slot, since start. */
    long slotWaits() {
        return slotWaits.get();
    }

    /** TLS handshakes holding a slot now. */
    int handshaking() {
        return handshaking.get();
    }

    /**
     * On the listening channel's loop: closes a connection never read, with a reset (its client sees
     * the refusal at once and leaves no TIME_WAIT here).
     */
    private void refuse(Channel child) {
        close(child);
        refused.incrementAndGet();
        refusedSinceLog++;
        onRefused.run();
    }

    private static void close(Channel child) {
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            // closing is what matters
        }
        child.unsafe().closeForcibly();
    }

    /**
     * One more connection is kept alive (any event loop): at the bound, accepting stops now, not
     * only when the next connection arrives (Netty reads up to {@link #ACCEPTS_PER_READ} before
     * the acceptor sees the first of them).
     */
    void keptChanged() {
        Channel server = listener;
        if (server == null || held || !full()) {
            return;
        }
        server.eventLoop().execute(() -> {
            if (!held && server.isOpen() && full()) {
                reachedBound(server);
            }
        });
    }

    /** The listening channel to hold and release; before this, the gate only measures. */
    void listener(Channel channel) {
        this.listener = channel;
    }

    /** How often accepting was held back because a loop was crowded, since start. */
    long holds() {
        return holds.get();
    }

    /** Connections refused at the bound (waited too long, or too many waiting), since start. */
    long refused() {
        return refused.get();
    }

    /** Connections accepted at the bound and waiting to be taken in, now. */
    int waiting() {
        return waiting.size();
    }

    /** How often a bound (kept or open connections) was reached, since start. */
    long bounds() {
        return bounds.get();
    }

    /** Whether accepting is held back now (a loop crowded, or at a bound). */
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
        /** Something was read from the connection (its ClientHello, or part of it). */
        private boolean spoken;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            connection = Connections.of(ctx.channel()); // set by Connections, before this in the pipeline
            Channel ch = ctx.channel();
            if (ch.attr(IN_HANDSHAKE).get() != null) {
                // the slot: given up after silentSlotNanos if nothing was read, else after slotNanos
                ctx.executor().schedule(() -> {
                    if (!spoken) {
                        handshakeOver(ch);
                    } else if (ch.attr(IN_HANDSHAKE).get() != null) {
                        ctx.executor().schedule(() -> handshakeOver(ch), slotNanos - silentSlotNanos,
                                TimeUnit.NANOSECONDS);
                    }
                }, silentSlotNanos, TimeUnit.NANOSECONDS);
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            spoken = true;
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

    /** At the bound: that many connections kept alive, or that many open at all. */
    private boolean full() {
        return kept.getAsInt() >= keptLimit || open.getAsInt() >= openLimit;
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

    /** A loop is crowded: from accepting freely to one per tick. */
    private void hold() {
        Channel server = listener;
        if (server == null || threshold >= 1.0 || held) {
            return;
        }
        server.eventLoop().execute(() -> {
            if (held || !server.isOpen()) {
                return;
            }
            holds.incrementAndGet();
            onHold.run();
            enterHeld(server);
        });
    }

    /** On the listening channel's loop: the kept or the open connections reached their bound. */
    private void reachedBound(Channel server) {
        if (!atBound) {
            atBound = true;
            bounds.incrementAndGet();
            onBound.run();
            LOG.debug("{} kept-alive connections, {} open: new ones one at a time", kept.getAsInt(), open.getAsInt());
        }
        if (!held) {
            enterHeld(server);
        }
    }

    /** On the listening channel's loop: from accepting freely to one per tick. */
    private void enterHeld(Channel server) {
        held = true;
        calmSince = 0;
        server.config().setAutoRead(false);
        server.eventLoop().schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
    }

    /** While held, every {@link #TICK_NANOS} on the listening channel's loop. */
    private void tick() {
        Channel server = listener;
        if (!held || server == null || !server.isOpen()) {
            return;
        }
        long now = System.nanoTime();
        while (!waiting.isEmpty() && now - waiting.peek().since() > maxWaitNanos) {
            refuse(waiting.poll().channel());
        }
        logRefusals(now);
        boolean full = full();
        if (!full) {
            atBound = false;
        }
        int accept;
        if (full) {
            calmSince = 0;
            // one per tick while each replaces a connection idle for long, else one per calm
            // period: a client with no connection still gets one
            accept = replaced || now - lastAccept >= CALM_NANOS ? 1 : 0;
            replaced = false;
        } else if (crowded(now)) {
            calmSince = 0;
            accept = 1;
        } else {
            if (calmSince == 0) {
                calmSince = now;
            } else if (now - calmSince >= CALM_NANOS && waiting.isEmpty()) {
                held = false;
                grants = 0;
                acceptsPerRead(server, ACCEPTS_PER_READ);
                if (slotsFull && handshaking.get() < slots()) {
                    slotsFull = false; // else the next handshake to end turns accepting on (slotFreed)
                }
                server.config().setAutoRead(!slotsFull);
                return;
            }
            accept = 1;
        }
        if (accept > 0) {
            lastAccept = now;
        }
        // the waiting first, oldest first; then the kernel's queue
        while (accept > 0 && !waiting.isEmpty()) {
            takeIn(waiting.poll().channel());
            accept--;
        }
        grants = accept;
        // at the bound, dials wait in this gate's queue, where their wait is bounded and those
        // beyond it are refused at once, not in the kernel's, where a client waits for its
        // timeout (and beyond the kernel's backlog resends its SYN for seconds)
        int drain = full() ? DRAIN_PER_TICK : 0;
        if (drain > 0) {
            // with auto-read off a read takes in one connection only (Netty's read loop continues
            // only while auto-read is on): on for one read of up to that many, off again in
            // channelReadComplete
            acceptsPerRead(server, accept + drain);
            server.config().setAutoRead(true);
        } else if (accept > 0) {
            server.read(); // one connection
        }
        server.eventLoop().schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
    }

    /** At most once a minute while refusing: how many, and why. */
    private void logRefusals(long now) {
        if (refusedSinceLog > 0 && (lastRefusalLog == 0 || now - lastRefusalLog >= REFUSAL_LOG_NANOS)) {
            LOG.warn("beyond capacity: refused {} new connections since {} (each waited {} ms, or waited longest of {}); "
                    + "{} kept alive, {} open", refusedSinceLog, lastRefusalLog == 0 ? "start" : "the last such line",
                    TimeUnit.NANOSECONDS.toMillis(maxWaitNanos), waitingCap, kept.getAsInt(), open.getAsInt());
            refusedSinceLog = 0;
            lastRefusalLog = now;
        }
    }
}
