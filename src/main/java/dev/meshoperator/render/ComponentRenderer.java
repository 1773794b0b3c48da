package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * One component's objects for a config. The built-in components implement it, and it is the
 * extension point for the ones rendered elsewhere (the injection webhook configuration): pass them
 * to {@link Renderer#Renderer(List)}. Implementations must be pure and deterministic, and should
 * label their objects with {@link Labels#of}. They return new objects on every call, never kept or
 * shared ones: the caller may take them over (the operator does so with Istio's CRDs).
 */
public interface ComponentRenderer {
  List<HasMetadata> render(EffectiveConfig config);
}
