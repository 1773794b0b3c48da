package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

/**
 * Objects that every install renders identically and none owns: Istio's API CRDs. If each install
 * stamped its own install label on them, two revisions would relabel them back and forth forever.
 */
public final class SharedObjects {
  /** Marks an object applied on behalf of all installs. */
  public static final String SHARED_LABEL = "meshoperator.dev/shared";

  private SharedObjects() {}

  public static boolean isShared(HasMetadata object) {
    return object instanceof CustomResourceDefinition crd
        && crd.getSpec() != null && crd.getSpec().getGroup() != null
        && crd.getSpec().getGroup().endsWith("istio.io");
  }
}
