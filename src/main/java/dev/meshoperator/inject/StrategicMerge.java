package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes' strategic merge of one pod fragment over another, as far as pods need it: how Istio
 * lays a user's {@code istio-proxy} container over the injected one and each template over the pod
 * (pkg/kube/inject/webhook.go applyContainer / applyOverlayYAML, which call strategicpatch).
 *
 * <p>Objects merge key by key, the patch winning; lists with a merge key (containers by name,
 * ports by containerPort, volumeMounts by mountPath, ...) merge item by item in the base's order,
 * new items appended in the patch's order; other lists are replaced. Two deliberate differences:
 * an env entry or a volume replaces the base's of the same name whole, and a probe or hook handler
 * (exec, httpGet, tcpSocket, grpc, sleep) of another kind than the base's replaces it, since combining two
 * handlers or {@code value} with {@code valueFrom} gives an object the API server refuses.
 */
final class StrategicMerge {
  private StrategicMerge() {}

  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  /** List field name to the key its items merge by (from the Kubernetes API's patchMergeKey tags). */
  private static final Map<String, String> MERGE_KEYS = Map.of(
      "containers", "name",
      "initContainers", "name",
      "ephemeralContainers", "name",
      "ports", "containerPort",
      "volumeMounts", "mountPath",
      "volumeDevices", "devicePath",
      "imagePullSecrets", "name",
      "resizePolicy", "resourceName",
      "hostAliases", "ip",
      "resourceClaims", "name");

  /** Lists whose items, matched by name, replace each other instead of merging. */
  private static final Map<String, String> REPLACE_ITEM_KEYS = Map.of("env", "name", "volumes", "name");

  private static final Set<String> HANDLERS = Set.of("exec", "httpGet", "tcpSocket", "grpc", "sleep");

  /** The patch container laid over the base container; neither is changed. */
  static Container container(Container base, Container patch) {
    JsonNode merged = merge(SERIALIZATION.convertValue(base, JsonNode.class),
        SERIALIZATION.convertValue(patch, JsonNode.class));
    return SERIALIZATION.convertValue(merged, Container.class);
  }

  /** A deep copy of base with patch laid over it. */
  static JsonNode merge(JsonNode base, JsonNode patch) {
    if (patch == null || patch.isMissingNode()) {
      return base == null ? null : base.deepCopy();
    }
    if (base == null || !base.isObject() || !patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode out = ((ObjectNode) base).deepCopy();
    if (containsAny(patch, HANDLERS)) {
      // the patch's handler kind wins; a handler of the same kind merges field by field below
      HANDLERS.stream().filter(h -> !patch.has(h)).forEach(out::remove);
    }
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      String name = e.getKey();
      JsonNode value = e.getValue();
      if (value.isNull()) {
        out.remove(name);
      } else if (value.isArray() && out.get(name) instanceof ArrayNode baseList) {
        out.set(name, mergeList(name, baseList, (ArrayNode) value));
      } else if (value.isObject() && out.get(name) != null && out.get(name).isObject()) {
        out.set(name, merge(out.get(name), value));
      } else {
        out.set(name, value.deepCopy());
      }
    }
    return out;
  }

  private static ArrayNode mergeList(String field, ArrayNode base, ArrayNode patch) {
    String key = MERGE_KEYS.get(field);
    boolean replaceItems = key == null && REPLACE_ITEM_KEYS.containsKey(field);
    if (replaceItems) {
      key = REPLACE_ITEM_KEYS.get(field);
    }
    if (key == null) {
      return patch.deepCopy();
    }
    ArrayNode out = base.deepCopy();
    for (JsonNode item : patch) {
      JsonNode id = item.get(key);
      int at = id == null ? -1 : indexOf(out, key, id);
      if (at < 0) {
        out.add(item.deepCopy());
      } else {
        out.set(at, replaceItems ? item.deepCopy() : merge(out.get(at), item));
      }
    }
    return out;
  }

  private static int indexOf(ArrayNode list, String key, JsonNode id) {
    for (int i = 0; i < list.size(); i++) {
      JsonNode v = list.get(i).get(key);
      if (v != null && v.asText().equals(id.asText())) {
        return i;
      }
    }
    return -1;
  }

  private static boolean containsAny(JsonNode n, Set<String> names) {
    for (String name : names) {
      if (n.has(name)) {
        return true;
      }
    }
    return false;
  }
}
