package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;

/** ObjectMeta for rendered objects: namespaced ones go to the control plane namespace. */
final class Meta {
  private Meta() {}

  static ObjectMeta cluster(String name, Map<String, String> labels) {
    return new ObjectMetaBuilder().withName(name).withLabels(labels).build();
  }

  static ObjectMeta namespaced(EffectiveConfig config, String name, Map<String, String> labels) {
    return new ObjectMetaBuilder().withName(name).withNamespace(config.namespace()).withLabels(labels).build();
  }

  static ObjectMeta namespaced(EffectiveConfig config, String name, Map<String, String> labels, Map<String, String> annotations) {
    return new ObjectMetaBuilder(namespaced(config, name, labels))
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .build();
  }
}
