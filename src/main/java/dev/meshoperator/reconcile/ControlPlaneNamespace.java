package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Optional;

/**
 * Step 4: the control plane namespace exists before anything is applied into it. One we create is
 * labelled as ours (so uninstall may remove it) but has no ownerReference: the garbage collector
 * must not delete a namespace another revision may still use. A namespace that already exists is
 * left untouched. Nothing is created when nothing namespaced is rendered (the empty profile).
 */
public final class ControlPlaneNamespace {
  private final LiveObjects live;

  public ControlPlaneNamespace(LiveObjects live) {
    this.live = live;
  }

  /** @return true when this call created the namespace */
  public boolean ensure(KubernetesClient client, MeshInstall install, String namespace, List<HasMetadata> desired) {
    boolean needed = desired.stream().anyMatch(o -> o.getMetadata().getNamespace() != null);
    if (!needed) {
      return false;
    }
    Namespace wanted = new NamespaceBuilder().withNewMetadata().withName(namespace)
        .addToLabels(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
        .addToLabels(Labels.INSTALL, install.getMetadata().getName())
        .endMetadata().build();
    // The cache holds only namespaces we labelled; ask the server before creating one.
    Optional<HasMetadata> cached = live.current(wanted, client);
    if (cached.isPresent() && cached.get().getMetadata().getDeletionTimestamp() == null) {
      return false;
    }
    try {
      Namespace existing = client.namespaces().withName(namespace).get();
      if (existing != null) {
        if (existing.getMetadata().getDeletionTimestamp() != null) {
          throw new ReconcileStepException("NamespaceTerminating", "namespace " + namespace,
              new IllegalStateException("is being deleted; retrying until it is gone"));
        }
        return false;
      }
      client.namespaces().resource(wanted).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw new ReconcileStepException("NamespaceFailed", "create namespace " + namespace, e);
    }
  }
}
