package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import java.util.Map;
import java.util.TreeMap;

/** The labels every rendered object carries, and the Istio labels the components share. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "mesh-operator";
  public static final String INSTALL = "meshoperator.dev/install";
  public static final String COMPONENT = "meshoperator.dev/component";
  public static final String ISTIO_REV = "istio.io/rev";
  public static final String SIDECAR_INJECT = "sidecar.istio.io/inject";

  public static final String COMPONENT_BASE = "base";
  public static final String COMPONENT_ISTIOD = "istiod";
  public static final String COMPONENT_ISTIOD_REMOTE = "istiod-remote";
  public static final String COMPONENT_PROMETHEUS = "prometheus";
  public static final String COMPONENT_GRAFANA = "grafana";
  public static final String COMPONENT_CNI = "cni";

  private Labels() {}

  /** managed-by, install and component: how the operator finds, prunes and uninstalls what it made. */
  public static Map<String, String> of(EffectiveConfig config, String component) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(MANAGED_BY, MANAGED_BY_VALUE);
    labels.put(INSTALL, config.installName());
    labels.put(COMPONENT, component);
    return labels;
  }

  /** {@link #of} plus {@code istio.io/rev}, for objects that belong to one control plane revision. */
  public static Map<String, String> revisioned(EffectiveConfig config, String component) {
    Map<String, String> labels = of(config, component);
    labels.put(ISTIO_REV, config.revision().label());
    return labels;
  }

  /**
   * Labels for a pod template: the object's labels without the operator's own. Pods and their
   * ReplicaSets are not rendered objects; carrying managed-by/install would make label-based
   * pruning and "nothing left behind" checks see things the operator never applied.
   */
  public static Map<String, String> forPods(Map<String, String> objectLabels) {
    Map<String, String> labels = new TreeMap<>(objectLabels);
    labels.remove(MANAGED_BY);
    labels.remove(INSTALL);
    labels.remove(COMPONENT);
    return labels;
  }

  static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
    Map<String, String> labels = new TreeMap<>(base);
    labels.putAll(more);
    return labels;
  }
}
