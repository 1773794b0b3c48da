package dev.meshoperator.testenv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A test's hand edit of an object that the operator or a controller writes too (a MeshInstall's
 * status and finalizer, a managed Deployment's status), made as {@code kubectl patch --type merge}
 * makes it: a JSON merge patch (RFC 7386) of only what the change touched, without a
 * resourceVersion. fabric8's {@code edit} writes with the resourceVersion it read, so any write
 * in between (the operator's status update after a reconcile) fails it with 409 Conflict.
 */
public final class MergeEdits {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private MergeEdits() {}

  /**
   * Reads the object, lets {@code change} change a copy (as with {@code edit}), and sends the
   * difference as a merge patch: fields changed or added with their new value, fields removed as
   * null, lists whole. Nothing is sent when nothing changed.
   *
   * @return the object as the API server answered the patch
   */
  public static <T extends HasMetadata> T edit(Resource<T> resource, UnaryOperator<T> change) {
    T current = resource.get();
    if (current == null) {
      throw new KubernetesClientException("cannot edit " + resource + ": not found", 404, null);
    }
    JsonNode before = JSON.convertValue(current, JsonNode.class);
    JsonNode after = JSON.convertValue(change.apply(JSON.clone(current)), JsonNode.class);
    ObjectNode patch = diff(before, after);
    patch.remove("status"); // a subresource: a patch of the object ignores it
    if (patch.get("metadata") instanceof ObjectNode metadata) {
      metadata.remove("resourceVersion");
      metadata.remove("managedFields");
      if (metadata.isEmpty()) {
        patch.remove("metadata");
      }
    }
    if (patch.isEmpty()) {
      return current;
    }
    return resource.patch(PatchContext.of(PatchType.JSON_MERGE), JSON.asJson(patch));
  }

  /** The merge patch that turns {@code before} into {@code after}, both JSON objects. */
  static ObjectNode diff(JsonNode before, JsonNode after) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    for (Iterator<String> names = before.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!after.has(name) || after.get(name).isNull()) {
        patch.putNull(name);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> fields = after.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode was = before.get(field.getKey());
      JsonNode now = field.getValue();
      if (now.isNull() || now.equals(was)) {
        continue;
      }
      patch.set(field.getKey(), was != null && was.isObject() && now.isObject() ? diff(was, now) : now);
    }
    return patch;
  }
}
