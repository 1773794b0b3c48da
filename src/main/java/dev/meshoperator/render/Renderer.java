package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * EffectiveConfig to Kubernetes objects: pure and deterministic (same config, equal list in the
 * same order). The control plane namespace itself is not rendered; the reconciler creates it.
 * Objects come in apply order (see {@link ApplyOrder}); within a kind, in component order: base,
 * istiod, remote istiod, gateways, addons, config validation, CNI, then the extra
 * components.
 */
public final class Renderer {
  private final List<ComponentRenderer> components;

  public Renderer() {
    this(List.of());
  }

  /** @param extraComponents rendered after the built-in ones, e.g. the injection webhook configuration */
  public Renderer(List<ComponentRenderer> extraComponents) {
    List<ComponentRenderer> all = new ArrayList<>(List.of(new Base(), new Istiod(), new RemoteIstiod(), new Gateways(), new Addons(), new ConfigValidation(), new Cni()));
    all.addAll(extraComponents);
    this.components = List.copyOf(all);
  }

  public List<HasMetadata> render(EffectiveConfig config) {
    List<HasMetadata> objects = new ArrayList<>();
    for (ComponentRenderer component : components) {
      objects.addAll(component.render(config));
    }
    objects.sort(ApplyOrder.BY_KIND);
    return List.copyOf(objects);
  }

  /**
   * Several revisions of one install, the active one first (see profile.Upgrades#configs): an
   * object two revisions render alike (the shared CRDs, cluster-wide objects named without a
   * revision) is taken from the first, so it is applied once.
   */
  public List<HasMetadata> render(List<EffectiveConfig> revisions) {
    java.util.Map<String, HasMetadata> objects = new java.util.LinkedHashMap<>();
    for (EffectiveConfig config : revisions) {
      for (HasMetadata o : render(config)) {
        objects.putIfAbsent(o.getApiVersion() + "/" + o.getKind() + "/" + o.getMetadata().getNamespace() + "/"
            + o.getMetadata().getName(), o);
      }
    }
    List<HasMetadata> all = new ArrayList<>(objects.values());
    all.sort(ApplyOrder.BY_KIND);
    return List.copyOf(all);
  }
}
