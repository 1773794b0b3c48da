package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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
    claim(object, owner);
    return object;
  }

  /**
   * {@link #forApply} for objects the caller has just rendered and owns (the renderer returns new
   * objects that alias nothing): changes them instead of copying them whole first. Only their
   * metadata is replaced (by a changed copy); the rest is left as rendered. The copy forApply
   * makes is a JSON round trip of the whole object, which for the demo profile's 15 CRDs (close to
   * a megabyte of schema) was the largest cost of a reconcile's preparation after rendering itself.
   */
  public List<HasMetadata> claimRendered(List<HasMetadata> rendered, MeshInstall owner) {
    for (HasMetadata object : rendered) {
      object.setMetadata(new ObjectMetaBuilder(object.getMetadata()).build());
      claim(object, owner);
    }
    return rendered;
  }

  private static void claim(HasMetadata object, MeshInstall owner) {
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
