package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;

/**
 * Step 8, second half: whether a new status says anything the current one does not. Transition
 * times are ignored: a status write on every reconcile would itself be the needless write (and,
 * through the watch, another reconcile).
 */
public final class StatusDiff {
  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  private StatusDiff() {}

  public static boolean same(MeshInstallStatus current, MeshInstallStatus proposed) {
    if (current == null || proposed == null) {
      return current == proposed;
    }
    return comparable(current).equals(comparable(proposed));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> comparable(MeshInstallStatus status) {
    Map<String, Object> map = SERIALIZATION.convertValue(status, Map.class);
    Object conditions = map.get("conditions");
    if (conditions instanceof List<?> list) {
      list.forEach(c -> ((Map<String, Object>) c).remove("lastTransitionTime"));
    }
    // An empty list and an absent one read the same to a person and to kubectl.
    map.entrySet().removeIf(e -> e.getValue() == null || e.getValue() instanceof List<?> l && l.isEmpty());
    return map;
  }
}
