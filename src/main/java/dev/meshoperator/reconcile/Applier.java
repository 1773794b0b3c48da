package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5: server-side apply, forced, as field manager {@value MeshInstallReconciler#FIELD_MANAGER},
 * in render order. An object whose live state already holds every field we send with our values,
 * and for which we still send every field our manager owns, is skipped ({@link LiveStateMatcher}),
 * so a reconcile with nothing changed makes no write; a field the spec dropped makes the apply
 * that removes it. Forcing takes fields back from
 * whoever edited them by hand; fields we never set (replicas under an HPA, a Service's clusterIP)
 * stay with their owners. Fields set only at creation are described in {@link InitialOnlyFields}.
 */
public final class Applier {
  private static final Logger log = LoggerFactory.getLogger(Applier.class);

  /** What one apply pass did. */
  public record Result(List<ObjectKey> applied, int unchanged) {}

  private final LiveObjects live;

  public Applier(LiveObjects live) {
    this.live = live;
  }

  public Result apply(List<HasMetadata> desired, Context<MeshInstall> context) {
    KubernetesClient client = context.getClient();
    List<ObjectKey> applied = new ArrayList<>();
    int unchanged = 0;
    for (HasMetadata object : desired) {
      ObjectKey key = ObjectKey.of(object);
      try {
        Optional<HasMetadata> current = live.current(object, client);
        Optional<HasMetadata> withoutInitialOnly = InitialOnlyFields.withoutThem(object);
        if (withoutInitialOnly.isPresent()) {
          if (current.isEmpty()) {
            client.resource(object).fieldManager(InitialOnlyFields.FIELD_MANAGER).forceConflicts().serverSideApply();
          }
          object = withoutInitialOnly.get();
        }
        if (current.isPresent() && current.get().getMetadata().getDeletionTimestamp() == null
            && LiveStateMatcher.INSTANCE.matches(current.get(), object, context)) {
          unchanged++;
          continue;
        }
        HasMetadata written = client.resource(object)
            .fieldManager(MeshInstallReconciler.FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
        if (current.isPresent() && written.getMetadata().getResourceVersion().equals(current.get().getMetadata().getResourceVersion())) {
          // The matcher said "differs" but the server changed nothing: a normalization the matcher
          // does not know. Worth knowing, since it costs one write per reconcile.
          log.info("apply of {} changed nothing; the no-op check missed it", key);
        }
        live.remember(written, current.orElse(null));
        applied.add(key);
      } catch (RuntimeException e) {
        throw new ReconcileStepException("ApplyFailed", "apply " + key, e);
      }
    }
    return new Result(List.copyOf(applied), unchanged);
  }
}
