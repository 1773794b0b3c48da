package dev.meshoperator.profile;

import dev.meshoperator.api.InjectionTemplateSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** spec.sidecarInjector.templates: checked, and turned into the pod fragments the injector lays over pods. */
final class InjectionTemplates {
  private InjectionTemplates() {}

  /**
   * Istio's built-in template names (istio-discovery chart, files/): the injector renders these
   * itself, so a user template may not take one.
   */
  static final List<String> BUILT_IN = List.of("sidecar", "gateway", "grpc-simple", "grpc-agent");

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static List<Problem> problems(Map<String, InjectionTemplateSpec> templates) {
    List<Problem> out = new ArrayList<>();
    if (templates == null) {
      return out;
    }
    new TreeMap<>(templates).forEach((name, t) -> {
      String at = "spec.sidecarInjector.templates." + name;
      if (!DNS_LABEL.matcher(name).matches()) {
        out.add(new Problem(at, "the name '" + name + "' is not a DNS label (pods list it in inject.istio.io/templates)"));
      }
      if (BUILT_IN.contains(name)) {
        out.add(new Problem(at, "'" + name + "' is a built-in template (" + String.join(", ", BUILT_IN)
            + "); give yours another name and list both in inject.istio.io/templates"));
      }
      if (t == null) {
        out.add(new Problem(at, "is empty"));
        return;
      }
      // Copied onto every pod the template applies to: the API server would refuse those pods.
      out.addAll(KubeNames.labelProblems(at + ".labels", t.getLabels()));
      out.addAll(KubeNames.annotationProblems(at + ".annotations", t.getAnnotations()));
      Optional<PodSpec> spec;
      try {
        spec = spec(t);
      } catch (RuntimeException e) {
        out.add(new Problem(at + ".spec", "is not a PodSpec fragment: " + firstLine(e.getMessage())));
        return;
      }
      spec.ifPresent(s -> {
        unnamed(s.getContainers()).forEach(i -> out.add(new Problem(at + ".spec.containers[" + i + "].name", "is required")));
        unnamed(s.getInitContainers()).forEach(i -> out.add(new Problem(at + ".spec.initContainers[" + i + "].name", "is required")));
        containerProblems(at + ".spec.containers", s.getContainers(), out);
        containerProblems(at + ".spec.initContainers", s.getInitContainers(), out);
        List<Volume> volumes = s.getVolumes() == null ? List.of() : s.getVolumes();
        for (int i = 0; i < volumes.size(); i++) {
          if (volumes.get(i).getName() == null || volumes.get(i).getName().isEmpty()) {
            out.add(new Problem(at + ".spec.volumes[" + i + "].name", "is required"));
          }
        }
      });
    });
    return out;
  }

  /**
   * What the API server would refuse in a template's containers, whatever they are merged with:
   * resource names and quantities, a request above a limit the template also sets, and
   * environment variable names.
   */
  private static void containerProblems(String field, List<Container> containers, List<Problem> out) {
    if (containers == null) {
      return;
    }
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      if (c == null) {
        continue;
      }
      String at = field + "[" + i + "]";
      out.addAll(KubeResources.problems(at + ".resources", c.getResources(), c.getResources()));
      List<EnvVar> env = c.getEnv() == null ? List.of() : c.getEnv();
      for (int j = 0; j < env.size(); j++) {
        String name = env.get(j) == null ? null : env.get(j).getName();
        int index = j;
        KubeNames.envNameProblem(name).ifPresent(reason -> out.add(new Problem(at + ".env[" + index + "].name",
            "'" + name + "' is not an environment variable name: " + reason)));
      }
    }
  }

  /**
   * The templates as pod fragments, by name. One that {@link #problems} reports is left out here:
   * the spec is refused as a whole (InvalidSpec) before any of this reaches an injector.
   */
  static Map<String, Pod> fragments(Map<String, InjectionTemplateSpec> templates) {
    Map<String, Pod> out = new TreeMap<>();
    templates.forEach((name, t) -> {
      if (t == null || BUILT_IN.contains(name)) {
        return;
      }
      try {
        out.put(name, new PodBuilder()
            .withMetadata(new ObjectMetaBuilder().withLabels(t.getLabels()).withAnnotations(t.getAnnotations()).build())
            .withSpec(spec(t).orElse(null))
            .build());
      } catch (RuntimeException e) {
        // reported by problems()
      }
    });
    return Collections.unmodifiableMap(out);
  }

  static Map<String, Pod> copy(Map<String, Pod> templates) {
    Map<String, Pod> out = new TreeMap<>();
    if (templates != null) {
      templates.forEach((k, v) -> out.put(k, SERIALIZATION.clone(v)));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Optional<PodSpec> spec(InjectionTemplateSpec t) {
    return t.getSpec() == null ? Optional.empty() : Optional.of(SERIALIZATION.convertValue(t.getSpec(), PodSpec.class));
  }

  private static List<Integer> unnamed(List<Container> containers) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; containers != null && i < containers.size(); i++) {
      if (containers.get(i).getName() == null || containers.get(i).getName().isEmpty()) {
        out.add(i);
      }
    }
    return out;
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
