package dev.meshoperator.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Revision;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.Optional;

/**
 * The spec of a MeshInstall as it was the last time it validated, kept in a ConfigMap in its
 * control plane namespace beside the injector's webhook configuration. While a later edit makes the
 * spec invalid, the webhook injects with these settings instead of letting pods through bare, and a
 * restarted operator finds them here.
 *
 * <p>Why a ConfigMap and not an annotation on the MeshInstall: the user owns the MeshInstall, and a
 * {@code kubectl replace} or an edit drops an annotation exactly when it is needed; the ConfigMap
 * is one more rendered object of the install, applied only after validation (so an invalid spec
 * never overwrites it), pruned with the webhook configuration, deleted on uninstall, and written
 * only when its content changes (the applier's no-op check), never in a steady state. Istio keeps
 * its injector's settings in a ConfigMap of the control plane namespace too.
 */
public final class LastValidSpec {
  public static final String NAME = "mesh-operator-last-valid-spec";
  public static final String COMPONENT = "last-valid-spec";
  public static final String KEY = "spec.json";
  /** metadata.generation of the MeshInstall whose spec this is, for status and warnings. */
  public static final String GENERATION_ANNOTATION = "meshoperator.dev/generation";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  // Sorted keys: the same spec always gives the same bytes, so an unchanged spec is never rewritten.
  private static final ObjectMapper SORTED = new ObjectMapper()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private LastValidSpec() {}

  public static String name(Revision revision) {
    return revision.qualify(NAME);
  }

  /** The ConfigMap holding {@code spec}, which must be the spec {@code config} was resolved from. */
  public static ConfigMap render(EffectiveConfig config, MeshInstallSpec spec, Long generation) {
    return new ConfigMapBuilder()
        .withNewMetadata()
          .withName(name(config.role().installRevision()))
          .withNamespace(config.namespace())
          .withLabels(Labels.of(config, COMPONENT))
          .withAnnotations(generation == null ? Map.of() : Map.of(GENERATION_ANNOTATION, generation.toString()))
        .endMetadata()
        .withData(Map.of(KEY, json(spec)))
        .build();
  }

  /**
   * The spec a ConfigMap holds.
   *
   * @throws IllegalArgumentException when the ConfigMap has no readable spec
   */
  public static MeshInstallSpec read(ConfigMap configMap) {
    String json = configMap.getData() == null ? null : configMap.getData().get(KEY);
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("ConfigMap " + configMap.getMetadata().getName() + " has no " + KEY);
    }
    try {
      return SERIALIZATION.unmarshal(json, MeshInstallSpec.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("ConfigMap " + configMap.getMetadata().getName() + " holds no readable spec: "
          + e.getMessage(), e);
    }
  }

  /** The generation the ConfigMap's spec came from, when recorded. */
  public static Optional<String> generation(ConfigMap configMap) {
    return Optional.ofNullable(configMap.getMetadata().getAnnotations())
        .map(a -> a.get(GENERATION_ANNOTATION));
  }

  static String json(MeshInstallSpec spec) {
    try {
      Object tree = SERIALIZATION.convertValue(spec, Object.class);
      return SORTED.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a MeshInstall spec", e);
    }
  }
}
