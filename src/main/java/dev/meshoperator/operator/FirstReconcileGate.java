package dev.meshoperator.operator;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the operator's first readiness back while a reconcile is running, for at most a bound,
 * then stays open for good: a readiness that came and went with reconciles would take the webhook
 * out of its Service at every install edit.
 *
 * <p>Why: after a start, the leader's first reconcile of each MeshInstall runs beside the end of
 * the webhook's warm-up. When it ended after readiness, its work and garbage landed in the first
 * second of admissions: in 36 starts of bench/operator-start.sh (bench/RESULTS.md, 2026-12-05
 * 20:55-21:55 UTC) the 5 whose reconcile ended 46-197 ms after ready had p99 6.9-47.8 ms over the
 * first 10 s at 1,000/s, and the 31 whose reconcile ended first had 1.7-7.5 ms. The bound keeps a
 * slow reconcile (a large cluster, a slow API server) from holding readiness: the gate opens
 * {@link #BOUND} after it first held. A replica that is not the leader reconciles nothing, so its
 * gate opens at the first question.
 */
final class FirstReconcileGate implements BooleanSupplier {
  /** Longest the gate holds; the reconciles above ended at most 197 ms after ready. */
  static final Duration BOUND = Duration.ofMillis(500);
  private static final Logger LOG = LoggerFactory.getLogger(FirstReconcileGate.class);

  private final IntSupplier reconcilesInFlight;
  private final long boundNanos;
  private final LongSupplier nanoTime;
  private volatile boolean open;
  private long heldSince;
  private boolean held;

  FirstReconcileGate(IntSupplier reconcilesInFlight) {
    this(reconcilesInFlight, BOUND, System::nanoTime);
  }

  FirstReconcileGate(IntSupplier reconcilesInFlight, Duration bound, LongSupplier nanoTime) {
    this.reconcilesInFlight = reconcilesInFlight;
    this.boundNanos = bound.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public boolean getAsBoolean() {
    if (open) {
      return true;
    }
    synchronized (this) {
      if (open) {
        return true;
      }
      long now = nanoTime.getAsLong();
      if (reconcilesInFlight.getAsInt() == 0) {
        if (held) {
          LOG.info("readiness waited {} ms for the first reconcile to end", (now - heldSince) / 1_000_000);
        }
        open = true;
        return true;
      }
      if (!held) {
        held = true;
        heldSince = now;
        return false;
      }
      if (now - heldSince >= boundNanos) {
        LOG.info("readiness no longer waits for the first reconcile: still running after {} ms", boundNanos / 1_000_000);
        open = true;
        return true;
      }
      return false;
    }
  }
}
