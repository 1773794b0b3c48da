package dev.meshoperator.reconcile;

import dev.meshoperator.api.WorkloadUpdateStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * spec.updateStrategy.updateWorkloads: restarts the Deployments, StatefulSets and DaemonSets whose
 * pods carry an older revision's sidecar, as {@code kubectl rollout restart} does (an annotation on
 * the pod template), at most {@link #AT_ONCE} at a time, each only after the ones before it rolled
 * out healthy; the first that fails stops the whole move and the status names it.
 *
 * <p>It keeps no memory of its own: a workload it restarted carries {@link #RESTARTED_FOR} (the
 * revision it was moved to) on its pod template, so after an operator restart, or when a reconcile
 * reads a status older than the last one written, the rollouts in flight are found again in the
 * cluster and status.workloadUpdate.restarted still names them. A failed rollout that the user
 * repairs becomes healthy and the move goes on by itself.
 */
final class WorkloadMover {
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  static final String RESTARTED_FOR = "meshoperator.dev/restarted-for";
  static final int AT_ONCE = 2;
  /** StatefulSets and DaemonSets have no progress deadline of their own: this is theirs. */
  static final Duration ROLLOUT_TIMEOUT = Duration.ofMinutes(10);

  static final String WAITING = "Waiting";
  static final String IN_PROGRESS = "InProgress";
  static final String SUCCEEDED = "Succeeded";
  static final String FAILED = "Failed";

  /** A workload as the status names it. */
  record Workload(String kind, String namespace, String name) implements Comparable<Workload> {
    @Override
    public String toString() {
      return kind + " " + namespace + "/" + name;
    }

    @Override
    public int compareTo(Workload o) {
      return toString().compareTo(o.toString());
    }

    static Optional<Workload> parse(String text) {
      String[] parts = text.split("[ /]");
      return parts.length == 3 ? Optional.of(new Workload(parts[0], parts[1], parts[2])) : Optional.empty();
    }
  }

  /** How a restarted workload's rollout stands. */
  enum Health { HEALTHY, PROGRESSING, FAILED }

  private WorkloadMover() {}

  /** What a step reads from and writes to the cluster; a seam for tests. */
  interface Cluster {
    /** The metadata of the pods on the inactive revisions (at least), cluster-wide. */
    List<ObjectMeta> pods();

    /** The Deployment, StatefulSet or DaemonSet that controls the pod, if any. */
    Optional<Workload> ownerOf(ObjectMeta pod);

    Optional<HasMetadata> get(Workload workload);

    /** What kubectl rollout restart writes, plus which revision it was for. */
    void restart(Workload workload, String active, Instant now);

    /** @param pods the pods as this reconcile read them ({@link RevisionUsage.Pods#onInactive}) */
    static Cluster of(KubernetesClient client, List<ObjectMeta> pods) {
      return new Cluster() {
        @Override
        public List<ObjectMeta> pods() {
          return pods;
        }

        @Override
        public Optional<Workload> ownerOf(ObjectMeta pod) {
          return WorkloadMover.ownerOf(client, pod);
        }

        @Override
        public Optional<HasMetadata> get(Workload workload) {
          return WorkloadMover.get(client, workload);
        }

        @Override
        public void restart(Workload workload, String active, Instant now) {
          WorkloadMover.restart(client, workload, active, now);
        }
      };
    }
  }

  /**
   * One step of the move; called on every reconcile while older revisions have pods.
   *
   * @param pods        the pods as this reconcile read them, the same read its status counts them from
   * @param old         the inactive revisions' names
   * @param active      the active revision's name
   * @param activeReady whether its istiod is available (nothing is moved onto a control plane that is not)
   */
  static WorkloadUpdateStatus step(KubernetesClient client, RevisionUsage.Pods pods, Set<String> old, String active,
      boolean activeReady, WorkloadUpdateStatus previous, Instant now) {
    return step(Cluster.of(client, pods.onInactive()), old, active, activeReady, previous, now);
  }

  /**
   * {@code previous} is the status as this reconcile read it, which may be older than the last one
   * written (a reconcile can start before the watch brings back its predecessor's write). So it is a
   * starting point only: a workload whose pod template says it was restarted for {@code active} is
   * counted as restarted whatever {@code previous} says, and the move succeeds only once no pod of an
   * older revision is left, terminating ones included.
   */
  static WorkloadUpdateStatus step(Cluster cluster, Set<String> old, String active, boolean activeReady,
      WorkloadUpdateStatus previous, Instant now) {
    boolean sameMove = previous != null && active.equals(previous.getRevision()) && previous.getRestarted() != null;
    List<String> restarted = new ArrayList<>(sameMove ? previous.getRestarted() : List.of());
    TreeSet<Workload> onOld = new TreeSet<>();
    // Workloads whose old pods are on their way out: rolled already, not to be restarted again, but
    // those pods still run an older revision's proxy until they are gone.
    TreeSet<Workload> leaving = new TreeSet<>();
    int unowned = 0;
    int terminating = 0;
    for (ObjectMeta pod : cluster.pods()) {
      Map<String, String> annotations = pod.getAnnotations();
      String rev = annotations == null ? null : annotations.get(RevisionUsage.REV_ANNOTATION);
      if (rev == null || !old.contains(rev)) {
        continue;
      }
      Optional<Workload> owner = cluster.ownerOf(pod);
      if (pod.getDeletionTimestamp() != null) {
        terminating++;
        owner.ifPresent(leaving::add);
      } else if (owner.isPresent()) {
        onOld.add(owner.get());
      } else {
        unowned++;
      }
    }
    // Rollouts this move started: the ones the status names and any found by annotation.
    TreeSet<Workload> ours = new TreeSet<>();
    restarted.forEach(r -> Workload.parse(r).ifPresent(ours::add));
    Map<Workload, HasMetadata> current = new TreeMap<>();
    for (Workload w : union(ours, union(onOld, leaving))) {
      cluster.get(w).ifPresent(o -> current.put(w, o));
    }
    current.forEach((w, o) -> {
      if (movedByUs(o, active) && !restarted.contains(w.toString())) {
        restarted.add(w.toString());
      }
    });
    boolean rolling = current.values().stream().anyMatch(o -> movedByUs(o, active) && health(o, now) == Health.PROGRESSING);

    WorkloadUpdateStatus status = new WorkloadUpdateStatus();
    status.setRevision(active);
    status.setRestarted(restarted);
    status.setRemaining(onOld.size());
    String bare = (terminating == 0 ? "" : "; " + terminating + " pod(s) of older revisions still terminating")
        + (unowned == 0 ? "" : "; " + unowned + " pod(s) of older revisions belong to no Deployment, StatefulSet "
        + "or DaemonSet: restart them yourself");
    if (onOld.isEmpty() && terminating == 0 && !rolling) {
      status.setState(SUCCEEDED);
      status.setMessage("every Deployment, StatefulSet and DaemonSet runs revision " + active + bare);
      return status;
    }
    if (!activeReady) {
      status.setState(WAITING);
      status.setMessage("waiting for istiod of revision " + active + " to be available before restarting workloads" + bare);
      return status;
    }
    int busy = 0;
    List<Workload> candidates = new ArrayList<>();
    for (Map.Entry<Workload, HasMetadata> e : current.entrySet()) {
      Workload w = e.getKey();
      if (!movedByUs(e.getValue(), active)) {
        if (onOld.contains(w)) {
          candidates.add(w);
        }
        continue;
      }
      Health health = health(e.getValue(), now);
      if (health == Health.FAILED) {
        status.setState(FAILED);
        status.setMessage(w + " did not roll out onto revision " + active + ": " + failure(e.getValue())
            + "; stopped with " + onOld.size() + " workload(s) still on older revisions. Fix it (kubectl rollout status "
            + w.kind().toLowerCase() + "/" + w.name() + " -n " + w.namespace() + ") and the move goes on" + bare);
        return status;
      }
      if (health == Health.PROGRESSING || onOld.contains(w)) {
        busy++;
      }
    }
    int started = 0;
    for (Workload w : candidates) {
      if (busy + started >= AT_ONCE) {
        break;
      }
      cluster.restart(w, active, now);
      restarted.add(w.toString());
      started++;
    }
    status.setState(IN_PROGRESS);
    status.setMessage("moving workloads onto revision " + active + ": " + (busy + started) + " rolling out, "
        + Math.max(0, candidates.size() - started) + " waiting, " + AT_ONCE + " at a time" + bare);
    return status;
  }

  private static boolean movedByUs(HasMetadata workload, String active) {
    return active.equals(templateAnnotations(workload).get(RESTARTED_FOR));
  }

  private static TreeSet<Workload> union(TreeSet<Workload> a, TreeSet<Workload> b) {
    TreeSet<Workload> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static Optional<Workload> ownerOf(KubernetesClient client, ObjectMeta pod) {
    String ns = pod.getNamespace();
    OwnerReference owner = controller(pod.getOwnerReferences());
    if (owner == null) {
      return Optional.empty();
    }
    switch (owner.getKind()) {
      case "StatefulSet", "DaemonSet" -> {
        return Optional.of(new Workload(owner.getKind(), ns, owner.getName()));
      }
      case "ReplicaSet" -> {
        ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(owner.getName()).get();
        OwnerReference deployment = rs == null ? null : controller(rs.getMetadata().getOwnerReferences());
        return deployment != null && "Deployment".equals(deployment.getKind())
            ? Optional.of(new Workload("Deployment", ns, deployment.getName())) : Optional.empty();
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static OwnerReference controller(List<OwnerReference> owners) {
    return owners == null ? null : owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
  }

  private static Optional<HasMetadata> get(KubernetesClient client, Workload w) {
    HasMetadata object = switch (w.kind()) {
      case "Deployment" -> client.apps().deployments().inNamespace(w.namespace()).withName(w.name()).get();
      case "StatefulSet" -> client.apps().statefulSets().inNamespace(w.namespace()).withName(w.name()).get();
      case "DaemonSet" -> client.apps().daemonSets().inNamespace(w.namespace()).withName(w.name()).get();
      default -> null;
    };
    return Optional.ofNullable(object);
  }

  /** What kubectl rollout restart writes, plus which revision it was for. */
  private static void restart(KubernetesClient client, Workload w, String active, Instant now) {
    String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTARTED_AT + "\":\"" + now
        + "\",\"" + RESTARTED_FOR + "\":\"" + active + "\"}}}}}";
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    switch (w.kind()) {
      case "Deployment" -> client.apps().deployments().inNamespace(w.namespace()).withName(w.name()).patch(merge, patch);
      case "StatefulSet" -> client.apps().statefulSets().inNamespace(w.namespace()).withName(w.name()).patch(merge, patch);
      case "DaemonSet" -> client.apps().daemonSets().inNamespace(w.namespace()).withName(w.name()).patch(merge, patch);
      default -> throw new IllegalArgumentException("cannot restart " + w);
    }
  }

  static Map<String, String> templateAnnotations(HasMetadata workload) {
    ObjectMeta meta = null;
    if (workload instanceof Deployment d) {
      meta = d.getSpec().getTemplate().getMetadata();
    } else if (workload instanceof StatefulSet s) {
      meta = s.getSpec().getTemplate().getMetadata();
    } else if (workload instanceof DaemonSet d) {
      meta = d.getSpec().getTemplate().getMetadata();
    }
    return meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
  }

  /** As kubectl rollout status judges it; StatefulSets and DaemonSets fail after {@link #ROLLOUT_TIMEOUT}. */
  static Health health(HasMetadata workload, Instant now) {
    long generation = workload.getMetadata().getGeneration() == null ? 0 : workload.getMetadata().getGeneration();
    if (workload instanceof Deployment d) {
        var s = d.getStatus();
        if (s != null && s.getConditions() != null && s.getConditions().stream().anyMatch(c ->
            "Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason()))) {
          return Health.FAILED;
        }
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        boolean done = s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= generation
            && n(s.getUpdatedReplicas()) >= want && n(s.getAvailableReplicas()) >= want && n(s.getReplicas()) <= want;
        return done ? Health.HEALTHY : Health.PROGRESSING;
    }
    if (workload instanceof StatefulSet st) {
        var s = st.getStatus();
        int want = st.getSpec().getReplicas() == null ? 1 : st.getSpec().getReplicas();
        boolean done = s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= generation
            && n(s.getUpdatedReplicas()) >= want && n(s.getReadyReplicas()) >= want
            && Objects.equals(s.getCurrentRevision(), s.getUpdateRevision());
        return done ? Health.HEALTHY : timedOut(st, now) ? Health.FAILED : Health.PROGRESSING;
    }
    if (workload instanceof DaemonSet ds) {
        var s = ds.getStatus();
        boolean done = s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= generation
            && n(s.getUpdatedNumberScheduled()) >= n(s.getDesiredNumberScheduled())
            && n(s.getNumberAvailable()) >= n(s.getDesiredNumberScheduled());
        return done ? Health.HEALTHY : timedOut(ds, now) ? Health.FAILED : Health.PROGRESSING;
    }
    return Health.HEALTHY;
  }

  private static String failure(HasMetadata workload) {
    if (workload instanceof Deployment d && d.getStatus() != null && d.getStatus().getConditions() != null) {
      return d.getStatus().getConditions().stream().filter(c -> "Progressing".equals(c.getType()))
          .map(c -> c.getReason() + ": " + c.getMessage()).findFirst().orElse("rollout failed");
    }
    return "not rolled out within " + ROLLOUT_TIMEOUT.toMinutes() + " minutes";
  }

  private static boolean timedOut(HasMetadata workload, Instant now) {
    String at = templateAnnotations(workload).get(RESTARTED_AT);
    try {
      return at != null && Instant.parse(at).plus(ROLLOUT_TIMEOUT).isBefore(now);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static int n(Integer value) {
    return value == null ? 0 : value;
  }
}
