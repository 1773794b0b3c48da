package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Tells the objects we applied from look-alikes. Kubernetes controllers copy labels: the
 * EndpointSlice controller gives each slice its Service's labels, ours included. Such an object is
 * controlled by its maker (the Service), not by a MeshInstall; pruning it would start a
 * delete-and-recreate fight with that controller, and its owner's deletion removes it anyway.
 */
public final class Provenance {
  private Provenance() {}

  public static boolean madeByAnotherController(HasMetadata object) {
    var owners = object.getMetadata().getOwnerReferences();
    return owners != null && owners.stream()
        .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && !HasMetadata.getKind(MeshInstall.class).equals(o.getKind()));
  }
}
