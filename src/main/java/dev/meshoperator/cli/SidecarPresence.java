package dev.meshoperator.cli;

import dev.meshoperator.inject.IstioKeys;
import dev.meshoperator.inject.InjectionStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether a running pod actually has a sidecar, and of which revision: what its status annotation
 * records, else an istio-proxy container (injected by something that did not record it).
 *
 * @param revision the injecting revision ("default" for the default one), or null when unknown
 */
record SidecarPresence(boolean present, String revision) {
  static final SidecarPresence NONE = new SidecarPresence(false, null);

  static SidecarPresence of(Pod pod) {
    Map<String, String> annotations = pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null
        ? Map.of() : pod.getMetadata().getAnnotations();
    boolean proxy = pod.getSpec() != null && Stream.concat(
            Optional.ofNullable(pod.getSpec().getContainers()).stream().flatMap(List::stream),
            Optional.ofNullable(pod.getSpec().getInitContainers()).stream().flatMap(List::stream))
        .map(Container::getName).anyMatch(IstioKeys.PROXY_CONTAINER::equals);
    String status = annotations.get(IstioKeys.STATUS);
    if (status != null) {
      try {
        String rev = InjectionStatus.parse(status).revision();
        return new SidecarPresence(true, rev.isEmpty() ? null : rev);
      } catch (IllegalArgumentException e) {
        // unreadable: fall back to what the containers say
      }
    }
    return proxy ? new SidecarPresence(true, null) : NONE;
  }

  /** For the SIDECAR column: "yes (canary)", "yes" or "no". */
  String describe() {
    return !present ? "no" : revision == null ? "yes" : "yes (" + revision + ")";
  }
}
