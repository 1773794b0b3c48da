package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Takes an earlier injection back out of a pod, guided by its status annotation, so that
 * injecting an injected pod renders from the user's pod again: the same pod as one injection,
 * with current settings. App probes the earlier proxy rewrote are restored from its
 * ISTIO_KUBE_APP_PROBERS, otherwise the originals would be lost.
 */
final class PriorInjection {
  private PriorInjection() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Strips in place; returns errors (a status annotation that cannot be read). */
  static List<String> strip(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String raw = annotations.get(STATUS);
    if (raw == null) {
      return List.of();
    }
    InjectionStatus status;
    try {
      status = InjectionStatus.parse(raw);
    } catch (IllegalArgumentException e) {
      return List.of(AnnotationParser.error(STATUS, raw, e.getMessage()
          + "; it records an earlier injection, remove it to inject afresh"));
    }
    PodSpec spec = pod.getSpec();
    Optional<JsonNode> probers = Stream.concat(
            named(spec.getContainers(), status.containers()), named(spec.getInitContainers(), status.initContainers()))
        .filter(c -> PROXY_CONTAINER.equals(c.getName()))
        .findFirst()
        .flatMap(PriorInjection::appProbers);

    spec.setContainers(without(spec.getContainers(), status.containers()));
    spec.setInitContainers(without(spec.getInitContainers(), status.initContainers()));
    if (spec.getVolumes() != null) {
      spec.setVolumes(new ArrayList<>(spec.getVolumes().stream()
          .filter(v -> !status.volumes().contains(v.getName())).toList()));
    }
    if (spec.getImagePullSecrets() != null) {
      spec.setImagePullSecrets(new ArrayList<>(spec.getImagePullSecrets().stream()
          .filter(s -> !status.imagePullSecrets().contains(s.getName())).toList()));
    }
    probers.ifPresent(p -> {
      ProbeRewriter.restore(spec.getContainers(), p);
      if (spec.getInitContainers() != null) {
        ProbeRewriter.restore(spec.getInitContainers(), p);
      }
    });
    annotations.remove(STATUS);
    // the user's own istio-proxy/istio-init were merged into what was just stripped; put them back
    String overrides = annotations.remove(PROXY_OVERRIDES);
    if (overrides != null) {
      try {
        UserOverrides.reinsert(spec, overrides);
      } catch (IllegalArgumentException e) {
        return List.of(AnnotationParser.error(PROXY_OVERRIDES, overrides, e.getMessage()
            + "; it records the pod's own istio-proxy/istio-init, remove it or the status annotation"));
      }
    }
    return List.of();
  }

  private static Stream<Container> named(List<Container> containers, List<String> names) {
    return containers == null ? Stream.empty() : containers.stream().filter(c -> names.contains(c.getName()));
  }

  private static List<Container> without(List<Container> containers, List<String> names) {
    return containers == null ? null
        : new ArrayList<>(containers.stream().filter(c -> !names.contains(c.getName())).toList());
  }

  private static Optional<JsonNode> appProbers(Container proxy) {
    if (proxy.getEnv() == null) {
      return Optional.empty();
    }
    for (EnvVar e : proxy.getEnv()) {
      if ("ISTIO_KUBE_APP_PROBERS".equals(e.getName()) && e.getValue() != null) {
        try {
          return Optional.of(JSON.readTree(e.getValue()));
        } catch (JsonProcessingException ex) {
          // a hand-edited value we cannot read: leave the probes as they are
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
