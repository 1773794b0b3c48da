package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Step 6: deletes what this install applied earlier and the current render no longer contains
 * (demo to minimal removes the egress gateway). Runs after apply, so a workload's replacement is in
 * place before anything is taken away.
 */
public final class Pruner {
  private final LiveObjects live;

  public Pruner(LiveObjects live) {
    this.live = live;
  }

  public List<ObjectKey> prune(KubernetesClient client, String installName, Set<ObjectKey> desired) {
    List<ObjectKey> pruned = new ArrayList<>();
    for (HasMetadata object : PruneSelection.select(live.labelledWith(installName), desired, installName)) {
      ObjectKey key = ObjectKey.of(object);
      try {
        client.resource(object).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        pruned.add(key);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw new ReconcileStepException("PruneFailed", "delete " + key, e);
        }
      }
    }
    return List.copyOf(pruned);
  }
}
