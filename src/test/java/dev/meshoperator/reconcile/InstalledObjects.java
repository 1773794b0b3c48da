package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.render.Labels;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What the cluster holds with an install's label, and what the renderer says it should hold. */
public final class InstalledObjects {
  private InstalledObjects() {}

  /**
   * kind/namespace/name of every object labelled with the install, straight from the API server,
   * leaving out copies Kubernetes controllers make of our labels (EndpointSlices of our Services).
   */
  public static Set<ObjectKey> labelledWith(KubernetesClient client, String installName) {
    return labelledWith(client, installName, false);
  }

  /** With {@code includeCopies}, also what controllers made from ours: after uninstall nothing at all may be left. */
  @SuppressWarnings("unchecked")
  public static Set<ObjectKey> labelledWith(KubernetesClient client, String installName, boolean includeCopies) {
    Set<ObjectKey> keys = new TreeSet<>();
    for (ManagedKind kind : ManagedKinds.ALL) {
      MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> op =
          client.resources((Class<HasMetadata>) kind.type());
      String selector = Labels.INSTALL + "=" + installName;
      List<HasMetadata> items = kind.namespaced()
          ? op.inAnyNamespace().withLabelSelector(selector).list().getItems()
          : op.withLabelSelector(selector).list().getItems();
      items.stream().filter(o -> o.getMetadata().getDeletionTimestamp() == null)
          .filter(o -> includeCopies || !Provenance.madeByAnotherController(o)).map(ObjectKey::of).forEach(keys::add);
    }
    return keys;
  }

  /**
   * The renderer's output for the install as the operator applies it: shared objects (Istio CRDs)
   * carry no install label; the control plane namespace does when the operator created it.
   */
  public static Set<ObjectKey> expected(MeshInstall install, List<ComponentRenderer> extra, boolean namespaceCreatedByOperator) {
    var config = Profiles.resolve(install);
    List<HasMetadata> rendered = MeshInstallReconciler.withLastValidSpec(new Renderer(extra).render(config), config, install);
    Set<ObjectKey> keys = rendered.stream().filter(o -> !SharedObjects.isShared(o)).map(ObjectKey::of)
        .collect(Collectors.toCollection(TreeSet::new));
    boolean anyNamespaced = rendered.stream().anyMatch(o -> o.getMetadata().getNamespace() != null);
    if (namespaceCreatedByOperator && anyNamespaced) {
      keys.add(new ObjectKey("Namespace", null, config.namespace()));
    }
    return keys;
  }

  /** The shared Istio CRDs the install renders (they carry no install label). */
  public static Set<ObjectKey> sharedCrds(MeshInstall install) {
    return new Renderer().render(Profiles.resolve(install)).stream().filter(SharedObjects::isShared)
        .map(ObjectKey::of).collect(Collectors.toCollection(TreeSet::new));
  }
}
