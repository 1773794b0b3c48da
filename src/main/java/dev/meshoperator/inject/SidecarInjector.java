package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds the sidecar to a pod: parse the pod's annotations, strip an earlier injection, rewrite app
 * probes, add istio-init, istio-proxy and their volumes in Istio's order, then label and annotate.
 * Pure: the input pod is never touched and nothing outside the arguments is read.
 */
public final class SidecarInjector {
  private SidecarInjector() {}

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** Injects using the pod's own metadata.namespace (set it from the admission request if absent). */
  public static InjectionResult inject(Pod pod, InjectionSettings s) {
    return inject(pod, pod.getMetadata() == null ? null : pod.getMetadata().getNamespace(), s);
  }

  /**
   * @param namespace the namespace the pod is created in; at admission the pod itself often does not
   *     say, and pilot-agent's owner reference needs it
   */
  public static InjectionResult inject(Pod pod, String namespace, InjectionSettings s) {
    Pod p = SERIALIZATION.clone(pod);
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

    List<String> errors = new ArrayList<>();
    AnnotationParser.Result parsed = AnnotationParser.parse(meta.getAnnotations(), s);
    errors.addAll(parsed.errors());
    errors.addAll(PriorInjection.strip(p));
    if (errors.isEmpty()) {
      errors.addAll(conflicts(spec));
    }
    if (!errors.isEmpty()) {
      return InjectionResult.refused(errors);
    }
    SidecarOptions o = parsed.options();
    String ns = namespace == null ? "" : namespace;

    List<Container> apps = spec.getContainers();
    ObjectNode probers = o.rewriteAppProbes() && o.statusServerEnabled()
        ? ProbeRewriter.rewrite(apps, o.statusPort())
        : JsonNodeFactory.instance.objectNode();
    WorkloadIdentity workload = WorkloadIdentity.of(meta);
    Container proxy = ProxyContainer.render(new ProxyContainer.Inputs(
        o, s, List.copyOf(apps), workload, ns, probers, o.nativeSidecar()));
    String firstApp = apps.isEmpty() ? null : apps.get(0).getName();

    List<String> injectedInit = new ArrayList<>();
    List<String> injectedContainers = new ArrayList<>();
    List<Container> ours = new ArrayList<>();
    if (o.interceptionMode() != InterceptionMode.NONE) {
      ours.add(IptablesInitContainer.render(o));
      injectedInit.add(INIT_CONTAINER);
    }
    if (o.nativeSidecar()) {
      // iptables first, then the proxy, then user init containers: those then already run in the mesh
      ours.add(proxy);
      injectedInit.add(PROXY_CONTAINER);
      spec.getInitContainers().addAll(0, ours);
    } else {
      // user init containers run before iptables, so they still reach the network without Envoy
      spec.getInitContainers().addAll(ours);
      injectedContainers.add(PROXY_CONTAINER);
      if (o.holdApplicationUntilProxyStarts()) {
        apps.add(0, proxy);
      } else {
        // last, so that kubectl exec/logs keep defaulting to the app on old kubectl
        apps.add(proxy);
      }
    }
    List<Volume> volumes = SidecarVolumes.volumes();
    spec.getVolumes().addAll(volumes);
    if (spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty()) {
      // The istio-token volume is a projected service account token, which the API server only
      // accepts with a named account. The ServiceAccount admission plugin names "default" before
      // webhooks run; where that plugin is off, we name it, which is what it would have done.
      spec.setServiceAccountName("default");
    }
    if (spec.getInitContainers().isEmpty()) {
      spec.setInitContainers(null);
    }

    Map<String, String> labels = meta.getLabels();
    labels.putIfAbsent(TLS_MODE_LABEL, "istio");
    labels.putIfAbsent(CANONICAL_NAME_LABEL, firstNonNull(
        labels.get("app.kubernetes.io/name"), labels.get("app"), workload.name()));
    labels.putIfAbsent(CANONICAL_REVISION_LABEL, firstNonNull(
        labels.get("app.kubernetes.io/version"), labels.get("version"), "latest"));

    Map<String, String> annotations = meta.getAnnotations();
    if (firstApp != null) {
      annotations.putIfAbsent(DEFAULT_CONTAINER, firstApp);
      annotations.putIfAbsent(DEFAULT_LOGS_CONTAINER, firstApp);
    }
    boolean userScrapeConfig = annotations.containsKey(PROMETHEUS_SCRAPE)
        || annotations.containsKey(PROMETHEUS_PORT) || annotations.containsKey(PROMETHEUS_PATH);
    if (o.mergeMetrics() && o.statusServerEnabled() && !userScrapeConfig) {
      // the agent serves Envoy's and the app's metrics merged on the status port
      annotations.put(PROMETHEUS_SCRAPE, "true");
      annotations.put(PROMETHEUS_PORT, String.valueOf(o.statusPort()));
      annotations.put(PROMETHEUS_PATH, "/stats/prometheus");
    }
    annotations.putAll(s.injectedAnnotations());
    annotations.put(REV_LABEL, s.revisionName());
    annotations.put(STATUS, new InjectionStatus(injectedInit, injectedContainers,
        volumes.stream().map(Volume::getName).toList(), List.of(), s.revisionName()).toJson());
    return InjectionResult.injected(p);
  }

  /**
   * Names the sidecar needs that the pod already uses without a status annotation. Istio would
   * merge such a user-declared istio-proxy into its own; we refuse rather than guess.
   */
  private static List<String> conflicts(PodSpec spec) {
    List<String> out = new ArrayList<>();
    for (String name : List.of(INIT_CONTAINER, PROXY_CONTAINER)) {
      boolean taken = spec.getContainers().stream().anyMatch(c -> name.equals(c.getName()))
          || spec.getInitContainers().stream().anyMatch(c -> name.equals(c.getName()));
      if (taken) {
        out.add("pod already has a container named " + name + " but no " + STATUS
            + " annotation; rename it or remove it");
      }
    }
    List<String> ours = SidecarVolumes.names();
    spec.getVolumes().stream().map(Volume::getName).filter(ours::contains).forEach(name ->
        out.add("pod already has a volume named " + name + ", which the sidecar needs; rename it"));
    return out;
  }

  private static String firstNonNull(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }
}
