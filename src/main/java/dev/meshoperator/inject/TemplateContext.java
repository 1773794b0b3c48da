package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.List;
import java.util.Map;

/**
 * What a template renders from: the pod's settled options and identity, and the app as it was
 * before injection (the user's own istio-proxy/istio-init taken out).
 *
 * @param appContainers the pod's containers that are the app's, in order
 * @param sysctls the pod's own sysctls, which the gateway template keeps
 * @param declaredPortsOf every container the pod declares, the user's istio-proxy included (Istio's
 *     ISTIO_META_POD_PORTS lists the ports of all of {@code .Spec.Containers})
 */
record TemplateContext(
    SidecarOptions options,
    InjectionSettings settings,
    Map<String, String> labels,
    Map<String, String> annotations,
    List<Container> appContainers,
    List<Container> declaredPortsOf,
    WorkloadIdentity workload,
    String namespace,
    List<Sysctl> sysctls) {

  TemplateContext {
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
    appContainers = List.copyOf(appContainers);
    declaredPortsOf = List.copyOf(declaredPortsOf);
    sysctls = List.copyOf(sysctls);
  }

  static TemplateContext of(SidecarOptions o, InjectionSettings s, ObjectMeta meta, PodSpec spec,
      List<Container> apps, List<Container> allContainers, String namespace) {
    List<Sysctl> sysctls = spec.getSecurityContext() == null || spec.getSecurityContext().getSysctls() == null
        ? List.of() : spec.getSecurityContext().getSysctls();
    return new TemplateContext(o, s, meta.getLabels(), meta.getAnnotations(), apps, allContainers,
        WorkloadIdentity.of(meta), namespace, sysctls);
  }

  List<String> appNames() {
    return appContainers.stream().map(Container::getName).toList();
  }
}
