package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code sidecar.istio.io/userVolume} and {@code userVolumeMount}: extra volumes for the pod and
 * mounts for istio-proxy. Istio's templates read both as JSON maps from name to volume (or mount)
 * (injection-template.yaml: {@code range $index, $value := fromJSON ...} with {@code name: $index});
 * its annotation reference calls them JSON arrays, so a list of named entries is accepted too.
 */
final class UserVolumes {
  private UserVolumes() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  static List<Volume> volumes(AnnotationParser.Reader r) {
    List<ObjectNode> entries = entries(r, USER_VOLUME, "volume");
    List<Volume> out = new ArrayList<>();
    for (ObjectNode e : entries) {
      Volume v;
      try {
        v = SERIALIZATION.convertValue(e, Volume.class);
      } catch (RuntimeException ex) {
        r.refuse(USER_VOLUME, "has a volume that is not a Kubernetes volume: " + e.get("name").asText());
        continue;
      }
      if (e.size() != 2) {
        // the name and exactly one source, as the API server demands
        r.refuse(USER_VOLUME, "volume " + e.get("name").asText() + " must have exactly one source (such as secret or configMap)");
        continue;
      }
      out.add(v);
    }
    return out;
  }

  static List<VolumeMount> mounts(AnnotationParser.Reader r) {
    List<ObjectNode> entries = entries(r, USER_VOLUME_MOUNT, "volume mount");
    List<VolumeMount> out = new ArrayList<>();
    for (ObjectNode e : entries) {
      JsonNode path = e.get("mountPath");
      if (path == null || !path.isTextual() || path.asText().isBlank()) {
        r.refuse(USER_VOLUME_MOUNT, "mount " + e.get("name").asText() + " has no mountPath");
        continue;
      }
      try {
        out.add(SERIALIZATION.convertValue(e, VolumeMount.class));
      } catch (RuntimeException ex) {
        r.refuse(USER_VOLUME_MOUNT, "has a mount that is not a Kubernetes volume mount: " + e.get("name").asText());
      }
    }
    return out;
  }

  /** Each entry as an object with its name; reports what cannot be read. */
  private static List<ObjectNode> entries(AnnotationParser.Reader r, String annotation, String what) {
    String raw = r.raw(annotation);
    List<ObjectNode> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    JsonNode n;
    try {
      n = JSON.readTree(raw);
    } catch (Exception e) {
      r.refuse(annotation, "is not JSON (a map from name to " + what + ", or a list of named " + what + "s)");
      return out;
    }
    if (n != null && n.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isObject()) {
          r.refuse(annotation, "entry " + e.getKey() + " is not a " + what);
          continue;
        }
        ObjectNode entry = ((ObjectNode) e.getValue()).deepCopy();
        entry.put("name", e.getKey());
        add(r, annotation, entry, out);
      }
    } else if (n != null && n.isArray()) {
      for (JsonNode item : n) {
        if (!item.isObject() || !item.path("name").isTextual()) {
          r.refuse(annotation, "has a list entry without a name");
          continue;
        }
        add(r, annotation, (ObjectNode) item.deepCopy(), out);
      }
    } else {
      r.refuse(annotation, "is not a map from name to " + what + " or a list of named " + what + "s");
    }
    return out;
  }

  private static void add(AnnotationParser.Reader r, String annotation, ObjectNode entry, List<ObjectNode> out) {
    String name = entry.get("name").asText();
    if (!AnnotationParser.DNS_LABEL.matcher(name).matches()) {
      r.refuse(annotation, "name " + name + " is not a DNS label");
      return;
    }
    out.add(entry);
  }
}
