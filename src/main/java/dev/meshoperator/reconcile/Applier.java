package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.ApplyOrder;
import dev.meshoperator.wiring.ServerSideApply;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5: server-side apply, forced ({@link ServerSideApply}), as field manager {@value MeshInstallReconciler#FIELD_MANAGER},
 * step by step ({@link ApplyOrder#steps}): the objects of one step at once, on a small pool of
 * {@value #CONCURRENCY} threads shared by all reconciles (so the API server never sees more than
 * that many applies of this operator at a time, and JOSDK's reconcile threads only wait), and the
 * next step once every object of this one has been applied. An object whose live state already holds every field we send with our values,
 * and for which we still send every field our manager owns, is skipped ({@link LiveStateMatcher}),
 * so a reconcile with nothing changed makes no write; a field the spec dropped makes the apply
 * that removes it. Forcing takes fields back from
 * whoever edited them by hand; fields we never set (replicas under an HPA, a Service's clusterIP)
 * stay with their owners. Fields set only at creation are described in {@link InitialOnlyFields}.
 *
 * <p>A failed apply ends the pass once its step is over (no later step starts); when several
 * objects of the step failed, the first of them in render order is reported, the others are
 * attached as suppressed exceptions.
 */
public final class Applier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Applier.class);
  /** Applies in flight at once, over every reconcile of the process. */
  static final int CONCURRENCY = 8;

  /**
   * What one apply pass did; {@code applied} is in render order. {@code stopped}: the pass ended
   * early because the install was no longer wanted (being deleted); the rest was not applied.
   */
  public record Result(List<ObjectKey> applied, int unchanged, boolean stopped) {}

  private final LiveObjects live;
  private final ThreadPoolExecutor pool;

  public Applier(LiveObjects live) {
    this(live, CONCURRENCY);
  }

  Applier(LiveObjects live, int concurrency) {
    this.live = live;
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "mesh-apply-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    // Threads start on the first install and end after a minute without work (a steady state applies nothing).
    this.pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    this.pool.allowCoreThreadTimeOut(true);
  }

  public Result apply(List<HasMetadata> desired, Context<MeshInstall> context) {
    return apply(desired, context, () -> true);
  }

  /**
   * @param stillWanted asked before each step: false once the install is being deleted, so a pass that
   *     began before the deletion does not create again what the user is deleting (a user deleting
   *     `manifest generate`'s output with kubectl deletes the install, then its CRDs)
   */
  public Result apply(List<HasMetadata> desired, Context<MeshInstall> context, BooleanSupplier stillWanted) {
    KubernetesClient client = context.getClient();
    Map<HasMetadata, Boolean> written = new IdentityHashMap<>();
    boolean stopped = false;
    for (List<HasMetadata> step : ApplyOrder.steps(desired)) {
      if (!stillWanted.getAsBoolean()) {
        stopped = true;
        break;
      }
      if (step.size() == 1) {
        written.put(step.get(0), applyOne(step.get(0), client, context));
        continue;
      }
      List<Future<Boolean>> futures = new ArrayList<>(step.size());
      for (HasMetadata object : step) {
        futures.add(pool.submit(() -> applyOne(object, client, context)));
      }
      ReconcileStepException first = null;
      for (int i = 0; i < step.size(); i++) {
        try {
          written.put(step.get(i), futures.get(i).get());
        } catch (ExecutionException e) {
          ReconcileStepException failure = e.getCause() instanceof ReconcileStepException s ? s
              : new ReconcileStepException("ApplyFailed", "apply " + ObjectKey.of(step.get(i)), e.getCause());
          if (first == null) {
            first = failure; // the step is in render order
          } else {
            first.addSuppressed(failure);
          }
        } catch (InterruptedException e) {
          futures.forEach(f -> f.cancel(true));
          Thread.currentThread().interrupt();
          throw new ReconcileStepException("ApplyFailed", "apply " + ObjectKey.of(step.get(i)), e);
        }
      }
      if (first != null) {
        throw first;
      }
    }
    List<ObjectKey> applied = new ArrayList<>();
    int unchanged = 0;
    for (HasMetadata object : desired) {
      Boolean wrote = written.get(object);
      if (wrote == null) {
        continue; // not reached: the pass stopped
      }
      if (wrote) {
        applied.add(ObjectKey.of(object));
      } else {
        unchanged++;
      }
    }
    return new Result(List.copyOf(applied), unchanged, stopped);
  }

  /** Applies one object unless it already matches; true when it was written. */
  private boolean applyOne(HasMetadata object, KubernetesClient client, Context<MeshInstall> context) {
    ObjectKey key = ObjectKey.of(object);
    try {
      Optional<HasMetadata> current = live.current(object, client);
      Optional<HasMetadata> withoutInitialOnly = InitialOnlyFields.withoutThem(object);
      if (withoutInitialOnly.isPresent()) {
        if (current.isEmpty()) {
          ServerSideApply.forced(client, object, InitialOnlyFields.FIELD_MANAGER);
        }
        object = withoutInitialOnly.get();
      }
      if (current.isPresent() && current.get().getMetadata().getDeletionTimestamp() == null
          && LiveStateMatcher.INSTANCE.matches(current.get(), object, context)) {
        return false;
      }
      HasMetadata written = ServerSideApply.forced(client, object, MeshInstallReconciler.FIELD_MANAGER);
      if (current.isPresent() && written.getMetadata().getResourceVersion().equals(current.get().getMetadata().getResourceVersion())) {
        // The matcher said "differs" but the server changed nothing: a normalization the matcher
        // does not know. Worth knowing, since it costs one write per reconcile.
        log.info("apply of {} changed nothing; the no-op check missed it", key);
      }
      live.remember(written, current.orElse(null));
      return true;
    } catch (RuntimeException e) {
      throw new ReconcileStepException("ApplyFailed", "apply " + key, e);
    }
  }

  /** Stops the pool's threads (applies in flight are interrupted); later applies of several objects fail. */
  @Override
  public void close() {
    pool.shutdownNow();
  }
}
