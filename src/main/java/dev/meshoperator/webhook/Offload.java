package dev.meshoperator.webhook;

import io.netty.util.concurrent.FastThreadLocal;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decisions run on the event loop that read the request (no hand-over to another thread, which on
 * two cores cost more than the decision itself: bench/RESULTS.md), unless they would block. A
 * handler's blocking step (an API read: a namespace not yet in the informer's cache, labels read
 * fresh, MeshInstalls listed, the last valid spec's ConfigMap) calls {@link #beforeBlocking()}
 * first; on an event loop that throws {@link Required}, and the server runs the whole decision
 * again on its decision pool, where the call goes through. The work done before the throw is lost;
 * it is rare (a cache miss) and pure.
 *
 * <p>{@link Required} is an {@link Error} so that the handlers' {@code catch (RuntimeException)}
 * blocks, which turn a failed read into an answer, let it through; only the server catches it.
 */
public final class Offload {

    /** Thrown by {@link #beforeBlocking()} on an event loop. Carries no stack trace. */
    public static final class Required extends Error {
        private static final long serialVersionUID = 1L;

        private Required() {
            super("a blocking call on the event loop: decide on the decision pool", null, false, false);
        }
    }

    private static final Required REQUIRED = new Required();
    private static final FastThreadLocal<Boolean> NON_BLOCKING = new FastThreadLocal<>();

    private Offload() {
    }

    /** Call before a step that may block; throws {@link Required} when the thread must not block. */
    public static void beforeBlocking() {
        if (NON_BLOCKING.get() == Boolean.TRUE) {
            throw REQUIRED;
        }
    }

    /** A function that calls {@link #beforeBlocking()} before {@code blocking}. */
    public static <T, R> Function<T, R> guard(Function<T, R> blocking) {
        return t -> {
            beforeBlocking();
            return blocking.apply(t);
        };
    }

    /** A supplier that calls {@link #beforeBlocking()} before {@code blocking}. */
    public static <T> Supplier<T> guard(Supplier<T> blocking) {
        return () -> {
            beforeBlocking();
            return blocking.get();
        };
    }

    /**
     * Runs {@code work} with blocking forbidden on this thread.
     *
     * @throws Required when the work reached a blocking step
     */
    static <T> T nonBlocking(Supplier<T> work) {
        Boolean before = NON_BLOCKING.get();
        NON_BLOCKING.set(Boolean.TRUE);
        try {
            return work.get();
        } finally {
            NON_BLOCKING.set(before);
        }
    }
}
