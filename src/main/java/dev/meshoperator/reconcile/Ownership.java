package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a rendered object into what is applied: our labels, and an ownerReference to the
 * MeshInstall (a cluster-scoped owner is valid for namespaced dependents), so that the garbage
 * collector removes what the finalizer might have missed. Shared objects get neither install label
 * nor owner (see {@link SharedObjects}). The rendered object is not modified.
 */
public final class Ownership {
  private final KubernetesSerialization serialization;

  public Ownership(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  public HasMetadata forApply(HasMetadata rendered, MeshInstall owner) {
    HasMetadata object = serialization.clone(rendered);
    Map<String, String> labels = new TreeMap<>(object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels());
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    if (SharedObjects.isShared(object)) {
      labels.remove(Labels.INSTALL);
      labels.put(SharedObjects.SHARED_LABEL, "true");
      object.getMetadata().setOwnerReferences(null);
    } else {
      labels.put(Labels.INSTALL, owner.getMetadata().getName());
      object.getMetadata().setOwnerReferences(List.of(ownerReference(owner)));
    }
    object.getMetadata().setLabels(labels);
    return object;
  }

  public static OwnerReference ownerReference(MeshInstall owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .build();
  }
}
