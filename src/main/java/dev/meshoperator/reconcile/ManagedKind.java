package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** A kind the operator applies, watches for drift, prunes and uninstalls. */
public record ManagedKind(Class<? extends HasMetadata> type, boolean namespaced) {
  public String kind() {
    return HasMetadata.getKind(type);
  }

  public String apiVersion() {
    return HasMetadata.getApiVersion(type);
  }
}
