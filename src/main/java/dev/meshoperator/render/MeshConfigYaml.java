package dev.meshoperator.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.MeshSettings;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code mesh} key of the {@code istio} ConfigMap: Istio's MeshConfig as YAML text. Built as a
 * map and serialized, never concatenated; key order is fixed so the text is stable across renders.
 */
final class MeshConfigYaml {
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build());

  private MeshConfigYaml() {}

  static String mesh(EffectiveConfig config) {
    MeshSettings mesh = config.mesh();
    Map<String, Object> proxy = new LinkedHashMap<>();
    proxy.put("discoveryAddress", config.discoveryAddress());
    proxy.put("holdApplicationUntilProxyStarts", mesh.holdApplicationUntilProxyStarts());
    // Istio writes defaultConfig.meshId only when global.meshID is set; unset, the trust domain serves.
    config.cluster().meshId().ifPresent(id -> proxy.put("meshId", id));
    if (mesh.concurrency() != null) {
      proxy.put("concurrency", mesh.concurrency());
    }
    if (!mesh.proxyMetadata().isEmpty()) {
      proxy.put("proxyMetadata", mesh.proxyMetadata());
    }

    Map<String, Object> root = new LinkedHashMap<>();
    root.put("accessLogFile", mesh.accessLogFile());
    root.put("defaultConfig", proxy);
    root.put("defaultProviders", Map.of("metrics", List.of("prometheus")));
    root.put("enablePrometheusMerge", true);
    if (!mesh.extensionProviders().isEmpty()) {
      root.put("extensionProviders", mesh.extensionProviders());
    }
    root.put("outboundTrafficPolicy", Map.of("mode", mesh.outboundTrafficPolicy().name()));
    root.put("rootNamespace", config.namespace());
    root.put("trustDomain", mesh.trustDomain());
    return write(root);
  }

  static String meshNetworks() {
    return write(Map.of("networks", Map.of()));
  }

  static String write(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // Only maps of strings, numbers, booleans and lists reach here.
      throw new UncheckedIOException(e);
    }
  }
}
