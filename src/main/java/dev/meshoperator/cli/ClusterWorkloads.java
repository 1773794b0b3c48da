package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What check-inject reads from a cluster for one namespace: its labels, every MeshInstall, and the
 * pods and workloads asked about. Asked for one workload, its pods come too, since "why are my
 * deployment's pods not injected" is really a question about those pods.
 */
final class ClusterWorkloads {
  /** kubectl's names for the kinds check-inject reads. */
  private static final Map<String, String> KIND_NAMES = Map.ofEntries(
      Map.entry("pod", "Pod"), Map.entry("pods", "Pod"), Map.entry("po", "Pod"),
      Map.entry("deployment", "Deployment"), Map.entry("deployments", "Deployment"), Map.entry("deploy", "Deployment"),
      Map.entry("statefulset", "StatefulSet"), Map.entry("statefulsets", "StatefulSet"), Map.entry("sts", "StatefulSet"),
      Map.entry("daemonset", "DaemonSet"), Map.entry("daemonsets", "DaemonSet"), Map.entry("ds", "DaemonSet"),
      Map.entry("replicaset", "ReplicaSet"), Map.entry("replicasets", "ReplicaSet"), Map.entry("rs", "ReplicaSet"),
      Map.entry("job", "Job"), Map.entry("jobs", "Job"),
      Map.entry("cronjob", "CronJob"), Map.entry("cronjobs", "CronJob"), Map.entry("cj", "CronJob"));

  /**
   * @param kind a Kind, or null for every pod and top-level workload
   * @param name an object's name, or null for every object of the kind
   */
  record Query(String namespace, String kind, String name) {}

  record Snapshot(String namespace, Map<String, String> labels, RevisionInjectors injectors, List<HasMetadata> objects) {}

  private ClusterWorkloads() {}

  /** @return the Kind for kubectl's name of it (pod, deploy, sts, ...), empty when not one check-inject reads */
  static Optional<String> kind(String userName) {
    return Optional.ofNullable(KIND_NAMES.get(userName.toLowerCase(Locale.ROOT)));
  }

  static Snapshot read(KubernetesClient client, Query q) {
    String server = String.valueOf(client.getMasterUrl());
    try {
      Namespace ns = get(server, "namespace " + q.namespace(), "get namespaces",
          () -> client.namespaces().withName(q.namespace()).get());
      if (ns == null) {
        throw CliException.failure("namespace " + q.namespace() + " not found in " + server,
            "list them with: kubectl get namespaces");
      }
      Map<String, String> labels = ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
      RevisionInjectors injectors = injectors(client, server);
      return new Snapshot(q.namespace(), labels, injectors, objects(client, server, q));
    } catch (KubernetesClientException e) {
      throw ClusterConnection.unreachable(e);
    }
  }

  private static RevisionInjectors injectors(KubernetesClient client, String server) {
    boolean nativeSidecars = ClusterMeshInstalls.supportsNativeSidecars(client.getKubernetesVersion());
    try {
      return new RevisionInjectors(client.resources(MeshInstall.class).list().getItems(), nativeSidecars, true);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        // No CRD: the operator is not installed; every verdict will say so.
        return new RevisionInjectors(List.of(), nativeSidecars, false);
      }
      throw ClusterConnection.readFailure("MeshInstalls", "list meshinstalls", server, e);
    }
  }

  private static List<HasMetadata> objects(KubernetesClient client, String server, Query q) {
    if (q.kind() != null && q.name() != null) {
      HasMetadata one = get(server, q.kind() + " " + q.name(), "get " + plural(q.kind()),
          () -> client.resources(Workloads.type(q.kind())).inNamespace(q.namespace()).withName(q.name()).get());
      if (one == null) {
        throw CliException.failure(q.kind() + " " + q.name() + " not found in namespace " + q.namespace(),
            "list them with: kubectl get " + plural(q.kind()) + " -n " + q.namespace());
      }
      List<HasMetadata> out = new ArrayList<>(List.of(one));
      LabelSelector selector = Workloads.podSelector(one);
      if (selector != null) {
        out.addAll(byName(get(server, "pods of " + q.kind() + " " + q.name(), "list pods",
            () -> client.pods().inNamespace(q.namespace()).withLabelSelector(selector).list().getItems())));
      }
      return out;
    }
    List<HasMetadata> out = new ArrayList<>();
    for (String kind : Workloads.LISTING_ORDER) {
      if (q.kind() != null && !q.kind().equals(kind)) {
        continue;
      }
      List<? extends HasMetadata> items = get(server, plural(kind) + " in namespace " + q.namespace(), "list " + plural(kind),
          () -> client.resources(Workloads.type(kind)).inNamespace(q.namespace()).list().getItems());
      // Listing a whole namespace, a ReplicaSet of a Deployment or a Job of a CronJob would repeat
      // its owner's answer; pods are always listed, as they are what actually has a sidecar or not.
      out.addAll(byName(items.stream()
          .filter(o -> q.kind() != null || kind.equals("Pod") || !controlled(o)).toList()));
    }
    return out;
  }

  private static boolean controlled(HasMetadata o) {
    List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(r -> Boolean.TRUE.equals(r.getController()));
  }

  private static List<HasMetadata> byName(List<? extends HasMetadata> items) {
    return items.stream().map(HasMetadata.class::cast)
        .sorted(Comparator.comparing(o -> o.getMetadata().getName())).toList();
  }

  private static String plural(String kind) {
    return kind.toLowerCase(Locale.ROOT) + "s";
  }

  private interface Read<T> {
    T run();
  }

  private static <T> T get(String server, String what, String access, Read<T> read) {
    try {
      return read.run();
    } catch (KubernetesClientException e) {
      throw ClusterConnection.readFailure(what, access, server, e);
    }
  }
}
