package dev.meshoperator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one serialization meshctl prints with: fabric8's, so objects come out exactly as the
 * operator and the golden files write them.
 */
final class Yaml {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final KubernetesSerialization KUBE = new KubernetesSerialization(MAPPER, true);

  private Yaml() {}

  /** Multi-document YAML, one {@code ---} document per object, in the given order. */
  static String documents(List<? extends HasMetadata> objects) {
    return objects.stream().map(KUBE::asYaml).collect(Collectors.joining());
  }

  /** One document, without the leading {@code ---} fabric8 writes. */
  static String document(Object value) {
    String yaml = KUBE.asYaml(value);
    return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
  }

  static String yaml(Object value) {
    return KUBE.asYaml(value);
  }

  static String json(Object value) {
    try {
      return MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(String yamlOrJson) {
    return KUBE.unmarshal(yamlOrJson, JsonNode.class);
  }

  static ObjectMapper mapper() {
    return MAPPER;
  }
}
