package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the cluster holds of the operator's objects, read from the watch caches (the informers that
 * also report drift), so a steady-state reconcile makes no requests at all. Kinds without an
 * informer (an extra renderer's unknown kind) are read from the API server.
 */
public final class LiveObjects {
  private final Map<ManagedKind, InformerEventSource<HasMetadata, MeshInstall>> sources = new LinkedHashMap<>();

  void register(ManagedKind kind, InformerEventSource<HasMetadata, MeshInstall> source) {
    sources.put(kind, source);
  }

  /** The live version of {@code object}, if it exists. */
  public Optional<HasMetadata> current(HasMetadata object, KubernetesClient client) {
    Optional<ManagedKind> kind = ManagedKinds.of(object);
    if (kind.isPresent() && sources.containsKey(kind.get())) {
      return sources.get(kind.get()).get(ResourceID.fromResource(object));
    }
    return Optional.ofNullable(client.resource(object).get());
  }

  /**
   * Puts what the API server answered to our write into the cache, so the next reconcile does not
   * see the old version (and write again) before the watch event arrives.
   */
  void remember(HasMetadata written, HasMetadata previous) {
    ManagedKinds.of(written).map(sources::get).ifPresent(source -> {
      ResourceID id = ResourceID.fromResource(written);
      if (previous == null) {
        source.handleRecentResourceCreate(id, written);
      } else {
        source.handleRecentResourceUpdate(id, written, previous);
      }
    });
  }

  /** Every cached object labelled as belonging to the install. */
  public List<HasMetadata> labelledWith(String installName) {
    List<HasMetadata> result = new ArrayList<>();
    for (var source : sources.values()) {
      source.list(o -> o.getMetadata().getLabels() != null
          && installName.equals(o.getMetadata().getLabels().get(Labels.INSTALL))).forEach(result::add);
    }
    return result;
  }
}
