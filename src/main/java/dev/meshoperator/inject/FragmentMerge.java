package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A template's fragment laid over the pod on the objects themselves, for the fragments every
 * built-in sidecar template produces: labels, annotations, containers, init containers, volumes and
 * image pull secrets. The result is the one {@link StrategicMerge} gives over JSON trees (labels and
 * annotations key by key, containers merged by name, volumes replaced by name, new items appended in
 * the fragment's order; FragmentMergeTest compares the two), without turning the pod and the fragment
 * into trees and the merged tree back into a pod: those three conversions were half of an injection's
 * CPU (JFR over bench's InjectionBenchmark).
 *
 * <p>A fragment holding anything else (a pod security context, a null entry, any other field: what a
 * user's own template may carry) is left to the tree merge: {@link #into} then returns false and
 * touches nothing.
 */
final class FragmentMerge {
  private FragmentMerge() {}

  /** {@link PodSpec} with only the lists handled here unset: a fragment's spec must equal it once they are. */
  private static final PodSpec BLANK_SPEC = blankSpec();
  private static final ObjectMeta BLANK_META = blankMeta();

  /**
   * Lays {@code fragment} over {@code pod}, whose metadata maps and spec lists are its own and
   * changeable (the injector's copy). The fragment's objects become the pod's: the fragment is
   * freshly rendered and not used again.
   *
   * @return false, with {@code pod} untouched, when the fragment holds more than this handles
   */
  static boolean into(Pod pod, Pod fragment) {
    if (!handles(fragment)) {
      return false;
    }
    ObjectMeta fm = fragment.getMetadata();
    if (fm != null) {
      putAll(pod.getMetadata().getLabels(), fm.getLabels());
      putAll(pod.getMetadata().getAnnotations(), fm.getAnnotations());
    }
    PodSpec fs = fragment.getSpec();
    if (fs != null) {
      PodSpec spec = pod.getSpec();
      mergeContainers(spec.getContainers(), fs.getContainers());
      mergeContainers(spec.getInitContainers(), fs.getInitContainers());
      replaceByName(spec.getVolumes(), fs.getVolumes(), Volume::getName);
      if (fs.getImagePullSecrets() != null && !fs.getImagePullSecrets().isEmpty()) {
        List<LocalObjectReference> secrets = spec.getImagePullSecrets() == null
            ? new ArrayList<>() : new ArrayList<>(spec.getImagePullSecrets());
        for (LocalObjectReference s : fs.getImagePullSecrets()) {
          // merged by name: an equal name adds nothing a name-only reference could carry
          if (secrets.stream().noneMatch(x -> Objects.equals(x.getName(), s.getName()))) {
            secrets.add(s);
          }
        }
        spec.setImagePullSecrets(secrets);
      }
    }
    return true;
  }

  /** Whether the fragment holds only what {@link #into} merges, without null entries. */
  static boolean handles(Pod fragment) {
    if (fragment.getStatus() != null || !fragment.getAdditionalProperties().isEmpty()) {
      return false;
    }
    ObjectMeta m = fragment.getMetadata();
    if (m != null) {
      if (!noNullValues(m.getLabels()) || !noNullValues(m.getAnnotations())) {
        return false;
      }
      Map<String, String> labels = m.getLabels();
      Map<String, String> annotations = m.getAnnotations();
      m.setLabels(null);
      m.setAnnotations(null);
      boolean onlyMaps = BLANK_META.equals(m);
      m.setLabels(labels);
      m.setAnnotations(annotations);
      if (!onlyMaps) {
        return false;
      }
    }
    PodSpec s = fragment.getSpec();
    if (s == null) {
      return true;
    }
    if (!noNulls(s.getContainers()) || !noNulls(s.getInitContainers()) || !noNulls(s.getVolumes())
        || !noNulls(s.getImagePullSecrets())) {
      return false;
    }
    List<Container> containers = s.getContainers();
    List<Container> init = s.getInitContainers();
    List<Volume> volumes = s.getVolumes();
    List<LocalObjectReference> secrets = s.getImagePullSecrets();
    s.setContainers(null);
    s.setInitContainers(null);
    s.setVolumes(null);
    s.setImagePullSecrets(null);
    boolean onlyLists = BLANK_SPEC.equals(s);
    s.setContainers(containers);
    s.setInitContainers(init);
    s.setVolumes(volumes);
    s.setImagePullSecrets(secrets);
    return onlyLists;
  }

  /** Containers merge by name (the base's order, new ones appended), each field by field. */
  private static void mergeContainers(List<Container> base, List<Container> patch) {
    if (patch == null) {
      return;
    }
    for (Container c : patch) {
      int at = indexOf(base, c.getName(), Container::getName);
      if (at < 0) {
        base.add(c);
      } else {
        // a template that changes an app container (the gRPC ones): rare, merged field by field
        base.set(at, StrategicMerge.container(base.get(at), c));
      }
    }
  }

  private static <T> void replaceByName(List<T> base, List<T> patch, Function<T, String> name) {
    if (patch == null) {
      return;
    }
    for (T item : patch) {
      int at = indexOf(base, name.apply(item), name);
      if (at < 0) {
        base.add(item);
      } else {
        base.set(at, item);
      }
    }
  }

  private static <T> int indexOf(List<T> list, String name, Function<T, String> nameOf) {
    if (name == null) {
      return -1;
    }
    for (int i = 0; i < list.size(); i++) {
      if (name.equals(nameOf.apply(list.get(i)))) {
        return i;
      }
    }
    return -1;
  }

  private static void putAll(Map<String, String> into, Map<String, String> from) {
    if (from != null) {
      into.putAll(from);
    }
  }

  private static boolean noNullValues(Map<String, String> map) {
    if (map == null) {
      return true;
    }
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        return false;
      }
    }
    return true;
  }

  private static boolean noNulls(List<?> list) {
    if (list == null) {
      return true;
    }
    for (Object o : list) {
      if (o == null) {
        return false;
      }
    }
    return true;
  }

  private static PodSpec blankSpec() {
    PodSpec s = new PodSpec();
    s.setContainers(null);
    s.setInitContainers(null);
    s.setVolumes(null);
    s.setImagePullSecrets(null);
    return s;
  }

  private static ObjectMeta blankMeta() {
    ObjectMeta m = new ObjectMeta();
    m.setLabels(null);
    m.setAnnotations(null);
    return m;
  }
}
