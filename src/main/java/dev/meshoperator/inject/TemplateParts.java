package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pieces every template shares: telemetry labels, kubectl's default container, extra volumes. */
final class TemplateParts {
  private TemplateParts() {}

  /**
   * service.istio.io/canonical-name and -revision, as Istio's templates compute them: the pod's own
   * value, else app.kubernetes.io/name or app (version), else the workload's name ("latest"); the
   * name cut to a label's 63 characters without a trailing dash.
   */
  static Map<String, String> canonicalLabels(TemplateContext ctx) {
    Map<String, String> l = ctx.labels();
    Map<String, String> out = new LinkedHashMap<>();
    String name = firstNonEmpty(l.get(CANONICAL_NAME_LABEL), l.get("app.kubernetes.io/name"), l.get("app"),
        ctx.workload().name());
    if (name.length() > 63) {
      name = name.substring(0, 63);
    }
    while (name.endsWith("-")) {
      name = name.substring(0, name.length() - 1);
    }
    out.put(CANONICAL_NAME_LABEL, name);
    out.put(CANONICAL_REVISION_LABEL, firstNonEmpty(l.get(CANONICAL_REVISION_LABEL),
        l.get("app.kubernetes.io/version"), l.get("version"), "latest"));
    return out;
  }

  /** kubectl exec/logs default to the first app container, unless the pod already says. */
  static Map<String, String> defaultContainer(TemplateContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> apps = ctx.appNames();
    if (!apps.isEmpty()) {
      if (!ctx.annotations().containsKey(DEFAULT_CONTAINER)) {
        out.put(DEFAULT_CONTAINER, apps.get(0));
      }
      if (!ctx.annotations().containsKey(DEFAULT_LOGS_CONTAINER)) {
        out.put(DEFAULT_LOGS_CONTAINER, apps.get(0));
      }
    }
    return out;
  }

  /** The custom bootstrap's ConfigMap (sidecar.istio.io/bootstrapOverride), then sidecar.istio.io/userVolume. */
  static List<Volume> extraVolumes(TemplateContext ctx) {
    List<Volume> out = new ArrayList<>();
    SidecarOptions o = ctx.options();
    if (o.hasBootstrapOverride()) {
      out.add(new VolumeBuilder().withName(ProxyContainer.BOOTSTRAP_VOLUME)
          .withNewConfigMap().withName(o.bootstrapOverride()).endConfigMap().build());
    }
    out.addAll(o.userVolumes());
    return out;
  }

  static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

  /**
   * A template's fragment from its parts, with plain setters: what a PodBuilder would build, without
   * the builder's copy of every nested object (the fragment is serialized for the merge at once).
   */
  static Pod pod(Map<String, String> labels, Map<String, String> annotations, List<Container> initContainers,
      List<Container> containers, List<Volume> volumes) {
    ObjectMeta meta = new ObjectMeta();
    meta.setLabels(new LinkedHashMap<>(labels));
    meta.setAnnotations(new LinkedHashMap<>(annotations));
    PodSpec spec = new PodSpec();
    spec.setInitContainers(new ArrayList<>(initContainers));
    spec.setContainers(new ArrayList<>(containers));
    spec.setVolumes(new ArrayList<>(volumes));
    Pod pod = new Pod();
    pod.setMetadata(meta);
    pod.setSpec(spec);
    return pod;
  }

  /** A container's security context with plain setters (a builder copies it twice). */
  static io.fabric8.kubernetes.api.model.SecurityContext securityContext(boolean allowPrivilegeEscalation,
      boolean privileged, boolean readOnlyRootFilesystem, long runAsGroup, boolean runAsNonRoot, long runAsUser,
      List<String> add, List<String> drop) {
    io.fabric8.kubernetes.api.model.Capabilities caps = new io.fabric8.kubernetes.api.model.Capabilities();
    caps.setAdd(new ArrayList<>(add));
    caps.setDrop(new ArrayList<>(drop));
    io.fabric8.kubernetes.api.model.SecurityContext sc = new io.fabric8.kubernetes.api.model.SecurityContext();
    sc.setAllowPrivilegeEscalation(allowPrivilegeEscalation);
    sc.setPrivileged(privileged);
    sc.setReadOnlyRootFilesystem(readOnlyRootFilesystem);
    sc.setRunAsGroup(runAsGroup);
    sc.setRunAsNonRoot(runAsNonRoot);
    sc.setRunAsUser(runAsUser);
    sc.setCapabilities(caps);
    return sc;
  }
}
