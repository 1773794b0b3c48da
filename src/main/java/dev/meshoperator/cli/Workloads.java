package dev.meshoperator.cli;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The pod inside each workload kind meshctl injects, and how to put an injected pod back. A
 * template becomes a pod with a controller owner reference to its workload, so the injector names
 * the workload in the proxy's metadata (ISTIO_META_OWNER) as it would for the real pods; that
 * reference is removed again before the template is written back.
 */
final class Workloads {
  /** A workload's pod (or the Pod itself), with the object's identity for messages. */
  record WorkloadPod(String kind, String name, String namespace, Pod pod) {
    String ref() {
      return kind + "/" + name;
    }
  }

  /** @param selector the pods the workload runs, for reading them from a cluster; null where none is kept */
  private record Kind<T extends HasMetadata>(String apiVersion, Class<T> type, Function<T, PodTemplateSpec> template,
      BiConsumer<T, PodTemplateSpec> setTemplate, Function<T, LabelSelector> selector) {}

  // Templates are read null-safely: a workload without a spec has no pod to inject.
  private static final Map<String, Kind<?>> KINDS = Map.ofEntries(
      Map.entry("Deployment", new Kind<>("apps/v1", Deployment.class,
          d -> d.getSpec() == null ? null : d.getSpec().getTemplate(), (d, t) -> d.getSpec().setTemplate(t),
          d -> d.getSpec() == null ? null : d.getSpec().getSelector())),
      Map.entry("StatefulSet", new Kind<>("apps/v1", StatefulSet.class,
          d -> d.getSpec() == null ? null : d.getSpec().getTemplate(), (d, t) -> d.getSpec().setTemplate(t),
          d -> d.getSpec() == null ? null : d.getSpec().getSelector())),
      Map.entry("DaemonSet", new Kind<>("apps/v1", DaemonSet.class,
          d -> d.getSpec() == null ? null : d.getSpec().getTemplate(), (d, t) -> d.getSpec().setTemplate(t),
          d -> d.getSpec() == null ? null : d.getSpec().getSelector())),
      Map.entry("ReplicaSet", new Kind<>("apps/v1", ReplicaSet.class,
          d -> d.getSpec() == null ? null : d.getSpec().getTemplate(), (d, t) -> d.getSpec().setTemplate(t),
          d -> d.getSpec() == null ? null : d.getSpec().getSelector())),
      Map.entry("Job", new Kind<>("batch/v1", Job.class,
          j -> j.getSpec() == null ? null : j.getSpec().getTemplate(), (j, t) -> j.getSpec().setTemplate(t),
          j -> j.getSpec() == null ? null : j.getSpec().getSelector())),
      Map.entry("CronJob", new Kind<>("batch/v1", CronJob.class,
          c -> c.getSpec() == null || c.getSpec().getJobTemplate() == null || c.getSpec().getJobTemplate().getSpec() == null
              ? null : c.getSpec().getJobTemplate().getSpec().getTemplate(),
          (c, t) -> c.getSpec().getJobTemplate().getSpec().setTemplate(t),
          c -> null)),
      Map.entry("ReplicationController", new Kind<>("v1", ReplicationController.class,
          r -> r.getSpec() == null ? null : r.getSpec().getTemplate(), (r, t) -> r.getSpec().setTemplate(t),
          r -> r.getSpec() == null || r.getSpec().getSelector() == null ? null
              : new LabelSelectorBuilder().withMatchLabels(r.getSpec().getSelector()).build())),
      // OpenShift's; read as a generic object, so meshctl needs no OpenShift model (Istio's
      // kube-inject handles it too: pkg/kube/inject/inject.go IntoObject, the reflective default case)
      Map.entry("DeploymentConfig", new Kind<>("apps.openshift.io/v1", GenericKubernetesResource.class,
          DeploymentConfigs::template, DeploymentConfigs::setTemplate, DeploymentConfigs::selector)),
      Map.entry("Pod", new Kind<>("v1", Pod.class, null, null, p -> null)));

  /** Every kind, workloads before pods, in the order check-inject lists a namespace. */
  static final List<String> LISTING_ORDER =
      List.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod");

  static Class<? extends HasMetadata> type(String kind) {
    return KINDS.get(kind).type();
  }

  /** The selector of the pods a workload runs; null for a Pod, a CronJob (its Jobs run them) or none set. */
  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> LabelSelector podSelector(T object) {
    Kind<T> kind = (Kind<T>) KINDS.get(object.getKind());
    return kind == null ? null : kind.selector().apply(object);
  }

  private Workloads() {}

  /** spec.template and spec.selector (a label map) of an OpenShift DeploymentConfig held generically. */
  private static final class DeploymentConfigs {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource dc) {
      Object spec = dc.getAdditionalProperties().get("spec");
      return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    static PodTemplateSpec template(GenericKubernetesResource dc) {
      Map<String, Object> spec = spec(dc);
      return spec == null || spec.get("template") == null ? null
          : Yaml.KUBE.convertValue(spec.get("template"), PodTemplateSpec.class);
    }

    @SuppressWarnings("unchecked")
    static void setTemplate(GenericKubernetesResource dc, PodTemplateSpec template) {
      spec(dc).put("template", Yaml.KUBE.convertValue(template, Map.class));
    }

    @SuppressWarnings("unchecked")
    static LabelSelector selector(GenericKubernetesResource dc) {
      Map<String, Object> spec = spec(dc);
      return spec == null || !(spec.get("selector") instanceof Map<?, ?> m) ? null
          : new LabelSelectorBuilder().withMatchLabels((Map<String, String>) m).build();
    }
  }

  static boolean isWorkload(String apiVersion, String kind) {
    Kind<?> k = KINDS.get(kind);
    return k != null && k.apiVersion().equals(apiVersion);
  }

  /** The typed object, or empty when it is not a workload kind meshctl injects. */
  static Optional<HasMetadata> typed(String apiVersion, String kind, String yaml) {
    if (!isWorkload(apiVersion, kind)) {
      return Optional.empty();
    }
    return Optional.of(Yaml.KUBE.unmarshal(yaml, KINDS.get(kind).type()));
  }

  static String ref(HasMetadata object) {
    String name = object.getMetadata() == null || object.getMetadata().getName() == null
        ? "(unnamed)" : object.getMetadata().getName();
    return object.getKind() + "/" + name;
  }

  /** The pod to decide on and inject; empty for a workload without a pod template. */
  static Optional<WorkloadPod> podOf(HasMetadata object) {
    ObjectMeta meta = object.getMetadata() == null ? new ObjectMeta() : object.getMetadata();
    String kind = object.getKind();
    String name = meta.getName() == null ? "(unnamed)" : meta.getName();
    if (object instanceof Pod pod) {
      return Optional.of(new WorkloadPod(kind, name, meta.getNamespace(), pod));
    }
    PodTemplateSpec template = template(object);
    if (template == null || template.getSpec() == null) {
      return Optional.empty();
    }
    ObjectMeta podMeta = template.getMetadata() == null
        ? new ObjectMeta()
        : new ObjectMetaBuilder(template.getMetadata()).build();
    podMeta.setNamespace(meta.getNamespace());
    podMeta.setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(object.getApiVersion()).withKind(kind).withName(name).withController(true).build()));
    Pod pod = new PodBuilder().withMetadata(podMeta).withSpec(template.getSpec()).build();
    return Optional.of(new WorkloadPod(kind, name, meta.getNamespace(), pod));
  }

  /** A copy of the object with the injected pod in place of its own (or as itself, for a Pod). */
  static HasMetadata withPod(HasMetadata object, Pod injected) {
    if (object instanceof Pod original) {
      // The injector fills in a namespace the Pod may not have said; keep the file's choice.
      injected.getMetadata().setNamespace(original.getMetadata() == null ? null : original.getMetadata().getNamespace());
      return injected;
    }
    HasMetadata copy = Yaml.KUBE.clone(object);
    ObjectMeta meta = injected.getMetadata();
    PodTemplateSpec original = template(copy);
    meta.setOwnerReferences(original == null || original.getMetadata() == null ? null : original.getMetadata().getOwnerReferences());
    meta.setNamespace(original == null || original.getMetadata() == null ? null : original.getMetadata().getNamespace());
    setTemplate(copy, new PodTemplateSpec(meta, injected.getSpec()));
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> PodTemplateSpec template(T object) {
    Kind<T> kind = (Kind<T>) KINDS.get(object.getKind());
    return kind.template().apply(object);
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> void setTemplate(T object, PodTemplateSpec template) {
    Kind<T> kind = (Kind<T>) KINDS.get(object.getKind());
    kind.setTemplate().accept(object, template);
  }
}
