package dev.meshoperator.webhook;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open connections of one port, capped: when a new connection would exceed the cap, the
 * connection idle longest (no request in progress: before its handshake, between requests) is
 * closed to make room, so idle or never-speaking clients cannot lock the API server out. Only when
 * every connection is mid-request is the newcomer itself closed.
 */
@ChannelHandler.Sharable
final class Connections extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
    private static final AttributeKey<State> STATE = AttributeKey.valueOf("meshoperator.connection");

    /** Requests in progress on a connection (HTTP/2: over all its streams) and since when it is idle. */
    static final class State {
        final AtomicInteger active = new AtomicInteger();
        volatile long idleSince = System.nanoTime();
        /**
         * A request on it asked for keep-alive and was answered: the handshake gate protects its
         * reads. Written and read on the connection's event loop only.
         */
        boolean keptAlive;
        /** The port's connections, which count the kept-alive ones; null for a detached state. */
        private final Connections owner;

        State() {
            this(null);
        }

        private State(Connections owner) {
            this.owner = owner;
        }

        /** The connection's first request has been answered. On the connection's event loop. */
        private boolean answered;

        /**
         * A request was answered; it asked for keep-alive or not. On the connection's event loop.
         * The first one on the connection tells the port's {@link #onFirstAnswer} which of the two it was.
         */
        void answered(boolean keepAlive) {
            if (keepAlive) {
                keptAlive();
            }
            if (!answered) {
                answered = true;
                if (owner != null) {
                    owner.onFirstAnswer.accept(keepAlive);
                }
            }
        }

        /** A request asked for keep-alive and was answered; on the connection's event loop. */
        void keptAlive() {
            if (!keptAlive) {
                keptAlive = true;
                if (owner != null) {
                    owner.kept.incrementAndGet();
                    owner.onKept.run();
                }
            }
        }

        void begin() {
            active.incrementAndGet();
        }

        void end() {
            if (active.decrementAndGet() == 0) {
                idleSince = System.nanoTime();
            }
        }
    }

    private final int max;
    private final ChannelGroup open = new DefaultChannelGroup("webhook-connections", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger evicted = new AtomicInteger();
    private final AtomicInteger kept = new AtomicInteger();
    private volatile Runnable onKept = () -> { };
    private volatile java.util.function.Consumer<Boolean> onFirstAnswer = keptAlive -> { };

    Connections(int max) {
        this.max = max;
    }

    /** The state of the connection a channel (or HTTP/2 stream) belongs to. */
    static State of(Channel channel) {
        Channel connection = channel.parent() instanceof io.netty.channel.ServerChannel || channel.parent() == null
                ? channel : channel.parent();
        State s = connection.attr(STATE).get();
        return s != null ? s : new State();
    }

    int open() {
        return open.size();
    }

    /** Called on a connection's event loop each time one more connection is kept alive. */
    void onKept(Runnable action) {
        this.onKept = action;
    }

    /**
     * Called on a connection's event loop when its first request has been answered, with whether
     * that request asked for keep-alive.
     */
    void onFirstAnswer(java.util.function.Consumer<Boolean> action) {
        this.onFirstAnswer = action;
    }

    /** Open connections on which a request asked for keep-alive and was answered. */
    int kept() {
        return kept.get();
    }

    int evicted() {
        return evicted.get();
    }

    /**
     * Closes the connection idle longest if it has been idle (no request in progress) for at
     * least {@code minIdleNanos}; whether one was closed.
     */
    boolean closeIdlest(long minIdleNanos) {
        Channel idlest = null;
        long since = System.nanoTime() - minIdleNanos;
        for (Channel c : open) {
            State s = c.attr(STATE).get();
            if (s != null && s.active.get() == 0) {
                long idle = s.idleSince;
                if (idle <= since) {
                    since = idle;
                    idlest = c;
                }
            }
        }
        if (idlest == null) {
            return false;
        }
        evicted.incrementAndGet();
        LOG.debug("{} connections open (soft bound): closing one idle for {} ms", open.size(),
                (System.nanoTime() - since) / 1_000_000);
        idlest.close();
        return true;
    }

    void closeAll() {
        open.close().awaitUninterruptibly();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        ch.attr(STATE).set(new State(this));
        open.add(ch);
        if (open.size() > max) {
            makeRoom(ch);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        State s = ctx.channel().attr(STATE).get();
        if (s != null && s.keptAlive) {
            kept.decrementAndGet();
        }
        super.channelInactive(ctx);
    }

    /**
     * Closes the connections idle longest down to the cap less a sixteenth (0 below 16), so that a
     * burst of new connections does not scan every open one per accept (13 % of the server's CPU in
     * bench/webhook-load.sh's overload rows when it closed one at a time); only when none is idle is
     * the newcomer itself closed.
     */
    private void makeRoom(Channel newcomer) {
        // idleSince is read once per connection: it may change under the sort (other event loops)
        List<Map.Entry<Channel, Long>> idle = new ArrayList<>();
        for (Channel c : open) {
            State s = c.attr(STATE).get();
            if (c != newcomer && s != null && s.active.get() == 0) {
                idle.add(Map.entry(c, s.idleSince));
            }
        }
        int excess = open.size() - (max - max / 16);
        if (idle.isEmpty()) {
            evicted.incrementAndGet();
            LOG.debug("{} connections open (limit {}): closing the new one, every other is busy", open.size(), max);
            newcomer.close();
            return;
        }
        idle.sort(Map.Entry.comparingByValue());
        List<Map.Entry<Channel, Long>> victims = idle.subList(0, Math.max(1, Math.min(excess, idle.size())));
        evicted.addAndGet(victims.size());
        LOG.debug("{} connections open (limit {}): closing the {} idle longest", open.size(), max, victims.size());
        victims.forEach(v -> v.getKey().close());
    }

    /**
     * Closes a connection without traffic for the idle timeout, unless a request on it is being
     * decided (a slow decision is not an idle client; the request timeout bounds the client's part).
     */
    static final class IdleClose extends io.netty.handler.timeout.IdleStateHandler {
        IdleClose(java.time.Duration timeout) {
            super(0, 0, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, io.netty.handler.timeout.IdleStateEvent evt) {
            if (of(ctx.channel()).active.get() > 0) {
                return;
            }
            LOG.debug("closing idle connection from {}", ctx.channel().remoteAddress());
            ctx.close();
        }
    }
}
