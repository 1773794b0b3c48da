package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Injects a pod, in Istio's pipeline (pkg/kube/inject/webhook.go injectPod): read the annotations,
 * take out an earlier injection, set the user's own istio-proxy/istio-init aside, lay each
 * template over the pod, lay the user's containers over the injected ones, rewrite app probes to
 * the agent, put the containers in order, then label and annotate. Pure: the input pod is never
 * touched and nothing outside the arguments is read.
 */
public final class SidecarInjector {
  private SidecarInjector() {}

  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  /** Injects using the pod's own metadata.namespace (set it from the admission request if absent). */
  public static InjectionResult inject(Pod pod, InjectionSettings s) {
    return inject(pod, pod.getMetadata() == null ? null : pod.getMetadata().getNamespace(), s);
  }

  /**
   * @param namespace the namespace the pod is created in; at admission the pod itself often does not
   *     say, and pilot-agent's owner reference needs it
   */
  public static InjectionResult inject(Pod pod, String namespace, InjectionSettings s) {
    return inject(SERIALIZATION.convertValue(pod, JsonNode.class), namespace, s);
  }

  /**
   * Injects the pod given as a JSON tree (what the webhook has at hand: it needs the tree for the
   * patch anyway); the tree is only read.
   */
  public static InjectionResult inject(JsonNode tree, String namespace, InjectionSettings s) {
    // One tree of the input serves the null-element check and, read back, the copy we change
    // (a string round trip and a second tree before: a fifth of an injection's CPU).
    return injectOwned(SERIALIZATION.convertValue(tree, Pod.class), tree, namespace, s);
  }

  /**
   * Injects a pod the caller gives away, saving the copy the other forms make (what the webhook
   * does: it parsed the pod from the request and needs its tree for the patch anyway).
   *
   * @param pod becomes the result's pod and is changed; the caller must not use it again
   * @param tree the same pod as a JSON tree (only read)
   */
  public static InjectionResult injectOwned(Pod pod, JsonNode tree, String namespace, InjectionSettings s) {
    return injectOwned(pod, tree, true, namespace, s);
  }

  /**
   * As {@link #injectOwned(Pod, JsonNode, String, InjectionSettings)}, with the pod's JSON as the API
   * server sent it instead of the pod's own serialization (the webhook has it from the request).
   * That JSON is only searched for null list elements, which the model keeps where they were; a
   * template merged over trees starts from the pod serialized again, so the JSON's other spellings
   * ({@code creationTimestamp: null}, empty lists the model drops, ints where the model has longs)
   * cannot reach the result.
   */
  public static InjectionResult injectOwnedSent(Pod pod, JsonNode sentJson, String namespace, InjectionSettings s) {
    return injectOwned(pod, sentJson, false, namespace, s);
  }

  /** @param treeIsPodJson the tree is the pod's own serialization (a tree merge may start from it) */
  private static InjectionResult injectOwned(Pod pod, JsonNode tree, boolean treeIsPodJson, String namespace,
      InjectionSettings s) {
    Pod p = ownedParts(pod);
    ObjectMeta meta = p.getMetadata();
    PodSpec spec = p.getSpec();

    List<String> shape = shapeProblems(meta, spec, tree.path("spec"));
    if (!shape.isEmpty() && !treeIsPodJson) {
      // the same problems, listed in the order of the pod's serialization as always
      shape = shapeProblems(meta, spec);
    }
    if (!shape.isEmpty()) {
      return InjectionResult.refused(shape);
    }
    AnnotationParser.Result parsed = AnnotationParser.parse(meta.getAnnotations(), s);
    List<String> errors = new ArrayList<>(parsed.errors());
    boolean earlierInjection = meta.getAnnotations().get(STATUS) != null;
    errors.addAll(PriorInjection.strip(p));
    if (!errors.isEmpty()) {
      return InjectionResult.refused(errors);
    }
    SidecarOptions o = parsed.options();
    List<Container> declared = List.copyOf(spec.getContainers());
    UserOverrides overrides = UserOverrides.takeFrom(spec);
    TemplateContext ctx = TemplateContext.of(o, s, meta, spec, spec.getContainers(), declared,
        namespace == null ? "" : namespace);

    Injected injected = new Injected();
    // Until the first merge the pod is the input unless an earlier injection or the user's own
    // istio-proxy/istio-init was taken out: then the input's tree serves as a tree merge's base
    // (the merge only reads it) instead of serializing the pod again.
    JsonNode unchanged = earlierInjection || !overrides.isEmpty() || !treeIsPodJson ? null : tree;
    for (String name : o.templates()) {
      Pod fragment = InjectionTemplates.find(name, s).orElseThrow().render(ctx);
      followInitContainers(fragment, spec);
      errors.addAll(volumeConflicts(spec, fragment));
      injected.record(fragment, ctx);
      // The built-in templates' fragments merge on the objects; anything else (a user's template,
      // the gateway's pod security context) over JSON trees, with the same result.
      if (!FragmentMerge.into(p, fragment)) {
        p = merge(unchanged != null ? unchanged : SERIALIZATION.convertValue(p, JsonNode.class), fragment);
        spec = p.getSpec();
      }
      unchanged = null;
    }
    if (!errors.isEmpty()) {
      return InjectionResult.refused(errors);
    }
    meta = p.getMetadata();
    boolean overridden = overrides.applyTo(spec, o);
    rewriteProbes(p, o, injected);
    PodLayout.order(spec, o);
    annotate(p, o, s, injected, overridden ? overrides : null);
    defaultServiceAccount(spec, injected);
    if (spec.getInitContainers().isEmpty()) {
      spec.setInitContainers(null);
    }
    return InjectionResult.injected(p);
  }

  /**
   * A template's container that the pod so far has only as an init container is laid over that
   * init container: with native sidecars istio-proxy is one, and a template written for classic
   * sidecars (Istio's docs customise {@code containers: [{name: istio-proxy, ...}]}) would
   * otherwise add a second istio-proxy without an image, which the API server refuses. Istio moves
   * the pod's own such container this way (inject.go); its templates' it does not.
   */
  private static void followInitContainers(Pod fragment, PodSpec spec) {
    PodSpec fs = fragment.getSpec();
    if (fs == null || fs.getContainers() == null || fs.getContainers().isEmpty() || spec.getInitContainers().isEmpty()) {
      return;
    }
    List<Container> moved = new ArrayList<>();
    for (Container c : fs.getContainers()) {
      String name = c == null ? null : c.getName();
      if (name != null && spec.getContainers().stream().noneMatch(x -> name.equals(x.getName()))
          && spec.getInitContainers().stream().anyMatch(x -> name.equals(x.getName()))) {
        moved.add(c);
      }
    }
    if (moved.isEmpty()) {
      return;
    }
    List<Container> containers = new ArrayList<>(fs.getContainers());
    containers.removeIf(c -> moved.stream().anyMatch(m -> m == c));
    List<Container> init = fs.getInitContainers() == null ? new ArrayList<>() : new ArrayList<>(fs.getInitContainers());
    init.addAll(moved);
    fs.setContainers(containers);
    fs.setInitContainers(init);
  }

  /**
   * Mutating webhooks run before the API server validates the pod, so a pod it will refuse can reach
   * us. What the injector relies on (every container present and named) is refused here with the
   * field, as the API server would, instead of failing inside the templates (found by
   * AdmissionFuzzTest: a container without a name ended in a NullPointerException).
   */
  static List<String> shapeProblems(ObjectMeta meta, PodSpec spec) {
    return shapeProblems(meta, spec, SERIALIZATION.convertValue(spec, JsonNode.class));
  }

  /** @param specTree {@code spec} as a JSON tree (the null elements are looked for there) */
  private static List<String> shapeProblems(ObjectMeta meta, PodSpec spec, JsonNode specTree) {
    List<String> problems = new ArrayList<>();
    // A null map value (which the API server's own decoding never produces) used to end in
    // Map.copyOf's NullPointerException (AdmissionFuzzTest).
    noNulls("metadata.labels", meta.getLabels(), problems);
    noNulls("metadata.annotations", meta.getAnnotations(), problems);
    containerNames("spec.containers", spec.getContainers(), problems);
    containerNames("spec.initContainers", spec.getInitContainers(), problems);
    // Volumes and pull secrets are matched by name against an earlier injection's record
    // (AdmissionFuzzTest: a nameless volume beside sidecar.istio.io/status ended in a
    // NullPointerException in PriorInjection).
    names("spec.volumes", spec.getVolumes(), io.fabric8.kubernetes.api.model.Volume::getName, problems);
    names("spec.imagePullSecrets", spec.getImagePullSecrets(),
        io.fabric8.kubernetes.api.model.LocalObjectReference::getName, problems);
    if (problems.isEmpty()) {
      // Any other list element that is null (a port, an env var, a volume, a sysctl...): the API
      // server's decoding never produces one, the templates assume none (AdmissionFuzzTest found
      // a null container port ending in a NullPointerException).
      nullElements("spec", specTree, problems);
    }
    return problems;
  }

  private static void nullElements(String path, com.fasterxml.jackson.databind.JsonNode node, List<String> problems) {
    if (problems.size() >= 5) {
      return;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        if (node.get(i).isNull()) {
          problems.add(path + "[" + i + "]: must not be null");
        } else {
          nullElements(path + "[" + i + "]", node.get(i), problems);
        }
      }
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> nullElements(path + "." + e.getKey(), e.getValue(), problems));
    }
  }

  private static void noNulls(String field, Map<String, String> map, List<String> problems) {
    map.forEach((k, v) -> {
      if (k == null || v == null) {
        problems.add(field + "[" + k + "]: must be a string, not null");
      }
    });
  }

  private static <T> void names(String field, List<T> items, java.util.function.Function<T, String> name,
      List<String> problems) {
    if (items == null) {
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      if (item != null && (name.apply(item) == null || name.apply(item).isEmpty())) {
        problems.add(field + "[" + i + "].name: required");
      }
    }
  }

  private static void containerNames(String field, List<Container> containers, List<String> problems) {
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      if (c == null) {
        problems.add(field + "[" + i + "]: must be a container, not null");
      } else if (c.getName() == null || c.getName().isEmpty()) {
        problems.add(field + "[" + i + "].name: required");
      }
    }
  }

  /** Makes the metadata maps and spec lists of a pod we own (freshly read) exist and changeable. */
  private static Pod ownedParts(Pod p) {
    ObjectMeta meta = p.getMetadata() == null ? new ObjectMeta() : p.getMetadata();
    p.setMetadata(meta);
    meta.setLabels(meta.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getLabels()));
    meta.setAnnotations(
        meta.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getAnnotations()));
    PodSpec spec = p.getSpec() == null ? new PodSpec() : p.getSpec();
    p.setSpec(spec);
    spec.setContainers(spec.getContainers() == null ? new ArrayList<>() : new ArrayList<>(spec.getContainers()));
    spec.setInitContainers(
        spec.getInitContainers() == null ? new ArrayList<>() : new ArrayList<>(spec.getInitContainers()));
    spec.setVolumes(spec.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(spec.getVolumes()));
    return p;
  }

  /** What the templates added (not what they patched): the status annotation's lists. */
  private static final class Injected {
    final Set<String> containers = new LinkedHashSet<>();
    final Set<String> initContainers = new LinkedHashSet<>();
    final Set<String> volumes = new LinkedHashSet<>();
    final Set<String> imagePullSecrets = new LinkedHashSet<>();

    void record(Pod fragment, TemplateContext ctx) {
      PodSpec f = fragment.getSpec();
      if (f == null) {
        return;
      }
      List<String> apps = ctx.appNames();
      names(f.getContainers()).stream().filter(n -> !apps.contains(n)).forEach(containers::add);
      names(f.getInitContainers()).forEach(initContainers::add);
      if (f.getVolumes() != null) {
        f.getVolumes().forEach(v -> volumes.add(v.getName()));
      }
      if (f.getImagePullSecrets() != null) {
        f.getImagePullSecrets().stream().map(LocalObjectReference::getName).forEach(imagePullSecrets::add);
      }
    }

    boolean isInjected(Container c) {
      return containers.contains(c.getName()) || initContainers.contains(c.getName());
    }

    private static List<String> names(List<Container> list) {
      return list == null ? List.of() : list.stream().map(Container::getName).toList();
    }
  }

  /** The pod's own volumes may not take a name the template needs: one of the two would be lost. */
  private static List<String> volumeConflicts(PodSpec spec, Pod fragment) {
    List<String> out = new ArrayList<>();
    if (fragment.getSpec() == null || fragment.getSpec().getVolumes() == null) {
      return out;
    }
    Set<String> ours = new LinkedHashSet<>();
    fragment.getSpec().getVolumes().forEach(v -> ours.add(v.getName()));
    spec.getVolumes().stream().map(Volume::getName).filter(ours::contains).forEach(name ->
        out.add("pod already has a volume named " + name + ", which the sidecar needs; rename it"));
    return out;
  }

  /** The fragment laid over the pod by strategic merge; a new, mutable pod. */
  /** @param pod the pod as a JSON tree (only read) */
  private static Pod merge(JsonNode pod, Pod fragment) {
    ObjectNode patch = SERIALIZATION.convertValue(fragment, ObjectNode.class);
    patch.remove("apiVersion");
    patch.remove("kind");
    JsonNode merged = StrategicMerge.merge(pod, patch);
    return ownedParts(SERIALIZATION.convertValue(merged, Pod.class)); // read back: a fresh object
  }

  /**
   * App probes and hooks go through the agent's status port (sidecar.istio.io/rewriteAppHTTPProbers);
   * those of native sidecars the user declared (restartable init containers) too, as Istio does
   * (app_probe.go DumpAppProbers covers init containers). Needs an injected istio-proxy to answer.
   */
  private static void rewriteProbes(Pod p, SidecarOptions o, Injected injected) {
    PodSpec spec = p.getSpec();
    boolean templateSaysNo = "false".equals(p.getMetadata().getAnnotations().get(REWRITE_PROBES));
    var proxy = UserOverrides.find(spec, PROXY_CONTAINER).filter(injected::isInjected);
    if (!o.rewriteAppProbes() || !o.statusServerEnabled() || templateSaysNo || proxy.isEmpty()) {
      return;
    }
    List<Container> targets = new ArrayList<>();
    spec.getInitContainers().stream()
        .filter(c -> "Always".equals(c.getRestartPolicy()) && !injected.isInjected(c))
        .forEach(targets::add);
    spec.getContainers().stream().filter(c -> !injected.isInjected(c)).forEach(targets::add);
    ObjectNode probers = ProbeRewriter.rewrite(targets, o.statusPort());
    if (!probers.isEmpty()) {
      List<io.fabric8.kubernetes.api.model.EnvVar> env = new ArrayList<>(proxy.get().getEnv());
      env.add(ProxyContainer.value("ISTIO_KUBE_APP_PROBERS", probers.toString()));
      proxy.get().setEnv(env);
    }
  }

  /** Prometheus scraping, the settings' annotations, the revision, the overrides and the status record. */
  private static void annotate(Pod p, SidecarOptions o, InjectionSettings s, Injected injected,
      UserOverrides overrides) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    boolean userScrapeConfig = annotations.containsKey(PROMETHEUS_SCRAPE)
        || annotations.containsKey(PROMETHEUS_PORT) || annotations.containsKey(PROMETHEUS_PATH);
    boolean agentServesMetrics = injected.containers.contains(PROXY_CONTAINER)
        || injected.initContainers.contains(PROXY_CONTAINER);
    if (o.mergeMetrics() && o.statusServerEnabled() && agentServesMetrics && !userScrapeConfig) {
      // the agent serves Envoy's and the app's metrics merged on the status port
      annotations.put(PROMETHEUS_SCRAPE, "true");
      annotations.put(PROMETHEUS_PORT, String.valueOf(o.statusPort()));
      annotations.put(PROMETHEUS_PATH, "/stats/prometheus");
    }
    annotations.putAll(s.injectedAnnotations());
    annotations.put(REV_LABEL, s.revisionName());
    // Istio's applyMetadata: the pod carries the network it was injected for, so istiod places its
    // endpoints on that network without looking further.
    String network = s.networkOf(p.getMetadata().getLabels());
    if (!network.isEmpty()) {
      p.getMetadata().getLabels().put(TOPOLOGY_NETWORK, network);
    }
    if (overrides != null) {
      annotations.put(PROXY_OVERRIDES, overrides.toJson());
    }
    PodSpec spec = p.getSpec();
    annotations.put(STATUS, new InjectionStatus(
        inOrder(spec.getInitContainers(), injected.initContainers),
        inOrder(spec.getContainers(), injected.containers),
        List.copyOf(injected.volumes), List.copyOf(injected.imagePullSecrets), s.revisionName()).toJson());
  }

  private static List<String> inOrder(List<Container> list, Set<String> names) {
    return list.stream().map(Container::getName).filter(names::contains).toList();
  }

  /**
   * The istio-token volume is a projected service account token, which the API server only accepts
   * with a named account. The ServiceAccount admission plugin names "default" before webhooks run;
   * where that plugin is off, we name it, which is what it would have done.
   */
  private static void defaultServiceAccount(PodSpec spec, Injected injected) {
    boolean token = injected.volumes.contains(dev.meshoperator.proxy.ProxyVolumes.ISTIO_TOKEN);
    if (token && (spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty())) {
      spec.setServiceAccountName("default");
    }
  }
}
