package dev.meshoperator.reconcile;

import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which live objects a reconcile deletes: ours (managed-by and this install's label) and no longer
 * rendered. Never the control plane Namespace (deleting it would take the user's own objects in it,
 * a plug-in CA for one; uninstall decides about it), never shared objects, and never copies other
 * controllers made of our labels (see {@link Provenance}).
 */
public final class PruneSelection {
  private PruneSelection() {}

  public static List<HasMetadata> select(Collection<HasMetadata> live, Set<ObjectKey> desired, String installName) {
    return live.stream()
        .filter(o -> isOurs(o, installName))
        .filter(o -> !Provenance.madeByAnotherController(o))
        .filter(o -> !(o instanceof Namespace))
        .filter(o -> !SharedObjects.isShared(o))
        .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
        .filter(o -> !desired.contains(ObjectKey.of(o)))
        .sorted((a, b) -> ObjectKey.of(a).compareTo(ObjectKey.of(b)))
        .toList();
  }

  static boolean isOurs(HasMetadata object, String installName) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null
        && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY))
        && installName.equals(labels.get(Labels.INSTALL));
  }
}
