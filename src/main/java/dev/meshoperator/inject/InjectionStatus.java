package dev.meshoperator.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code sidecar.istio.io/status} annotation: what was injected, so a later injection (or
 * istioctl, or a human) knows exactly which parts to strip. Empty lists are written as null, the
 * way Istio writes them.
 */
public record InjectionStatus(
    List<String> initContainers,
    List<String> containers,
    List<String> volumes,
    List<String> imagePullSecrets,
    String revision) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public InjectionStatus {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    volumes = List.copyOf(volumes);
    imagePullSecrets = List.copyOf(imagePullSecrets);
  }

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    putList(n, "initContainers", initContainers);
    putList(n, "containers", containers);
    putList(n, "volumes", volumes);
    putList(n, "imagePullSecrets", imagePullSecrets);
    n.put("revision", revision);
    return n.toString();
  }

  private static void putList(ObjectNode n, String field, List<String> values) {
    if (values.isEmpty()) {
      n.putNull(field);
    } else {
      ArrayNode a = n.putArray(field);
      values.forEach(a::add);
    }
  }

  /** @throws IllegalArgumentException when the text is not a status object */
  public static InjectionStatus parse(String text) {
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("is not JSON", e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("is not a JSON object");
    }
    return new InjectionStatus(list(n, "initContainers"), list(n, "containers"), list(n, "volumes"),
        list(n, "imagePullSecrets"), n.path("revision").asText(""));
  }

  private static List<String> list(JsonNode n, String field) {
    JsonNode a = n.get(field);
    List<String> out = new ArrayList<>();
    if (a == null || a.isNull()) {
      return out;
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException("has a " + field + " that is not a list");
    }
    a.forEach(e -> out.add(e.asText()));
    return out;
  }
}
