package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.InstalledObjects;
import dev.meshoperator.reconcile.ManagedKind;
import dev.meshoperator.reconcile.ManagedKinds;
import dev.meshoperator.reconcile.ObjectKey;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.webhook.InjectorWebhookRenderer;
import dev.meshoperator.webhook.WebhookEndpoint;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.awaitility.core.ConditionTimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** What the fault tests share: MeshInstalls, the operator as a separate JVM, counting objects. */
final class Faults {
  private Faults() {}

  static String suffix() {
    return Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
  }

  static MeshInstall meshInstall(String yaml) {
    return new KubernetesSerialization().unmarshal(yaml, MeshInstall.class);
  }

  static String createNamespace(KubernetesClient client, String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /** deploy/'s ServiceAccount token in a kubeconfig, for {@code meshctl operator --kubeconfig}. */
  static Path serviceAccountKubeconfig(KubernetesClient admin) {
    try {
      return OperatorIdentity.fromDeploy(admin).writeKubeconfig(Files.createTempFile("operator", ".kubeconfig"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code meshctl operator} from the jar with its own webhook and health ports. */
  static OperatorJvm operator(TestCluster cluster, Path kubeconfig, String name, String namespace, List<String> extra) {
    return OperatorJvm.start(cluster, kubeconfig, name, namespace, operatorArgs(cluster, extra));
  }

  private static List<String> operatorArgs(TestCluster cluster, List<String> extra) {
    int port = Ports.free();
    var args = new ArrayList<>(List.of("--webhook-port=" + port, "--health-port=" + Ports.free(),
        "--webhook-url-host=" + cluster.hostReachableFromApiServer(port)));
    args.addAll(extra);
    return List.copyOf(args);
  }

  /**
   * {@link #operator} under a {@link SupervisedOperator}: started again with the same identity, flags
   * and ports whenever it exits (1 s back-off, at most {@code maxRestarts}), as the kubelet does.
   */
  static SupervisedOperator supervisedOperator(TestCluster cluster, Path kubeconfig, String name, String namespace,
      List<String> extra, int maxRestarts) {
    // Fixed ports below the ephemeral range, as a pod's containerPort (9443): a port picked by bind(0)
    // is an ephemeral one, which any outgoing connection on the machine (the restarted operator's
    // own, to the API server) may take while the operator is down, and the restart's bind then fails.
    int port = portBelowEphemeralRange();
    var args = new ArrayList<>(List.of("--webhook-port=" + port, "--health-port=" + portBelowEphemeralRange(),
        "--webhook-url-host=" + cluster.hostReachableFromApiServer(port)));
    args.addAll(extra);
    return new SupervisedOperator(() -> OperatorJvm.start(cluster, kubeconfig, name, namespace, args),
        Duration.ofSeconds(1), maxRestarts);
  }

  /** A free port between 20000 and the start of the kernel's ephemeral port range. */
  static int portBelowEphemeralRange() {
    int low = 32768;
    try {
      // readAllLines: Files.readString trusts the size procfs reports and reads one byte.
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
      low = Integer.parseInt(range.trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: keep the usual start
    }
    if (low < 21000) {
      throw new IllegalStateException("the ephemeral port range starts at " + low + ": no fixed port is safe");
    }
    int from = 20000;
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = from + ThreadLocalRandom.current().nextInt(low - from);
      try (var socket = new java.net.ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port between " + from + " and " + low);
  }

  /**
   * Throws at once (an IllegalStateException, which ends an await instead of being retried) when one
   * of {@code operators} has exited: nothing starts an unsupervised operator again, so waiting on
   * would only reach the timeout.
   */
  static void requireAlive(OperatorJvm... operators) {
    for (OperatorJvm o : operators) {
      if (!o.isAlive()) {
        throw new IllegalStateException(o + " exited with code " + o.exitCode()
            + " and nothing starts it again; the last lines of its log:\n" + o.logTail(15));
      }
    }
  }

  /**
   * Waits for Ready at the MeshInstall's current generation; returns the seconds it took. Fails at
   * once if one of {@code operators} exits.
   */
  static double awaitReady(KubernetesClient client, String name, Duration timeout, OperatorJvm... operators) {
    return awaitReady(client, name, timeout, () -> requireAlive(operators));
  }

  /** As above, with a supervised operator: its restarts are allowed, its giving up fails at once. */
  static double awaitReady(KubernetesClient client, String name, Duration timeout, SupervisedOperator operator) {
    try {
      return awaitReady(client, name, timeout, operator::requireRunning);
    } catch (ConditionTimeoutException e) {
      System.out.println("[not ready] the operator's log, last 80 lines:\n" + operator.current().logTail(80));
      throw e;
    }
  }

  private static double awaitReady(KubernetesClient client, String name, Duration timeout, Runnable running) {
    long t0 = System.nanoTime();
    try {
      await().atMost(timeout).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        running.run();
        MeshInstall mi = client.resources(MeshInstall.class).withName(name).get();
        assertThat(mi.getStatus()).as("status of " + name).isNotNull();
        assertThat(mi.getStatus().getObservedGeneration()).isEqualTo(mi.getMetadata().getGeneration());
        assertThat(mi.getStatus().getState()).as(() -> "state of " + name + "; " + conditions(mi)).isEqualTo(MeshState.Ready);
      });
    } catch (ConditionTimeoutException e) {
      System.out.println(workloads(client, name));
      throw e;
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String conditions(MeshInstall mi) {
    return mi.getStatus().getConditions().stream()
        .map(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
        .collect(Collectors.joining("; "));
  }

  /**
   * Why an install is not Ready, as the cluster has it: its MeshInstall's conditions, and per
   * Deployment of its control-plane namespace the status, its ReplicaSets and its pods.
   */
  private static String workloads(KubernetesClient client, String name) {
    StringBuilder out = new StringBuilder("[not ready] ");
    try {
      MeshInstall mi = client.resources(MeshInstall.class).withName(name).get();
      if (mi == null) {
        return out.append("MeshInstall ").append(name).append(" is gone").toString();
      }
      out.append("MeshInstall ").append(name).append(" generation ").append(mi.getMetadata().getGeneration());
      if (mi.getStatus() != null) {
        out.append(", status at ").append(mi.getStatus().getObservedGeneration()).append(": ")
            .append(mi.getStatus().getState()).append("; ").append(conditions(mi));
      }
      String ns = mi.getSpec().getNamespace();
      for (var d : client.apps().deployments().inNamespace(ns).list().getItems()) {
        var st = d.getStatus();
        out.append("\n[not ready]   Deployment ").append(ns).append('/').append(d.getMetadata().getName())
            .append(" generation ").append(d.getMetadata().getGeneration())
            .append(st == null ? ", no status" : ", observed " + st.getObservedGeneration() + ", replicas " + st.getReplicas()
                + ", updated " + st.getUpdatedReplicas() + ", ready " + st.getReadyReplicas() + ", available " + st.getAvailableReplicas()
                + ", conditions " + (st.getConditions() == null ? "none" : st.getConditions().stream()
                    .map(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason())
                    .collect(Collectors.joining(", "))));
      }
      for (var rs : client.apps().replicaSets().inNamespace(ns).list().getItems()) {
        out.append("\n[not ready]   ReplicaSet ").append(rs.getMetadata().getName()).append(" replicas ")
            .append(rs.getSpec().getReplicas()).append(", status ")
            .append(rs.getStatus() == null ? "none" : rs.getStatus().getReplicas() + " ready " + rs.getStatus().getReadyReplicas());
      }
      for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
        out.append("\n[not ready]   Pod ").append(p.getMetadata().getName()).append(" node ").append(p.getSpec().getNodeName())
            .append(", ").append(p.getStatus() == null ? "no status" : p.getStatus().getPhase() + " " + (p.getStatus().getConditions() == null
                ? "" : p.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus()).collect(Collectors.joining(","))))
            .append(p.getMetadata().getDeletionTimestamp() == null ? "" : ", deleting");
      }
    } catch (RuntimeException e) {
      out.append(" (could not read it all: ").append(e).append(')');
    }
    return out.toString();
  }

  /** kind/namespace/name of what the operator should have made for {@code mi}, webhook configuration included. */
  static Set<ObjectKey> expected(KubernetesClient client, String name) {
    MeshInstall mi = client.resources(MeshInstall.class).withName(name).get();
    var webhook = new InjectorWebhookRenderer(WebhookEndpoint.url("https://127.0.0.1:1"), Optional::empty,
        FailurePolicy.Fail);
    return InstalledObjects.expected(mi, List.of(webhook), true);
  }

  /**
   * Every live object labelled with the install, counted per kind/namespace/name (a key counted
   * twice would be a duplicate; the API server makes that impossible for one kind, so what this
   * counts is what a second operator or a retried create could leave: extra objects).
   */
  @SuppressWarnings("unchecked")
  static Map<ObjectKey, Integer> labelledCounts(KubernetesClient client, String installName) {
    Map<ObjectKey, Integer> counts = new TreeMap<>();
    for (ManagedKind kind : ManagedKinds.ALL) {
      MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> op =
          client.resources((Class<HasMetadata>) kind.type());
      String selector = Labels.INSTALL + "=" + installName;
      List<HasMetadata> items = kind.namespaced()
          ? op.inAnyNamespace().withLabelSelector(selector).list().getItems()
          : op.withLabelSelector(selector).list().getItems();
      items.stream().filter(o -> o.getMetadata().getDeletionTimestamp() == null)
          .filter(o -> !dev.meshoperator.reconcile.Provenance.madeByAnotherController(o))
          .forEach(o -> counts.merge(ObjectKey.of(o), 1, Integer::sum));
    }
    return counts;
  }

  /** One line per ReplicaSet owner in {@code namespace}: more than one means a needless rollout. */
  static Map<String, Integer> replicaSetsPerDeployment(KubernetesClient client, String namespace) {
    Map<String, Integer> counts = new TreeMap<>();
    client.apps().replicaSets().inNamespace(namespace).list().getItems().forEach(rs ->
        rs.getMetadata().getOwnerReferences().forEach(o -> counts.merge(o.getName(), 1, Integer::sum)));
    return counts;
  }

  /** Compares what is there with what should be: prints and returns [present, expected, orphans, missing, duplicates]. */
  static int[] compare(String label, KubernetesClient client, String name) {
    Set<ObjectKey> expected = expected(client, name);
    Map<ObjectKey, Integer> present = labelledCounts(client, name);
    Set<ObjectKey> orphans = new TreeSet<>(present.keySet());
    orphans.removeAll(expected);
    Set<ObjectKey> missing = new TreeSet<>(expected);
    missing.removeAll(present.keySet());
    int duplicates = present.values().stream().mapToInt(n -> n - 1).sum();
    int total = present.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("[%s] objects labelled %s=%s: %d present, %d expected, %d orphans %s, %d missing %s, %d duplicates%n",
        label, Labels.INSTALL, name, total, expected.size(), orphans.size(), orphans, missing.size(), missing, duplicates);
    return new int[] {total, expected.size(), orphans.size(), missing.size(), duplicates};
  }

  /** Deletes the MeshInstall and waits until it and every labelled object (copies included) are gone. */
  static void uninstall(KubernetesClient client, String name, Duration timeout) {
    client.resources(MeshInstall.class).withName(name).delete();
    await().atMost(timeout).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      assertThat(client.resources(MeshInstall.class).withName(name).get()).isNull();
      assertThat(InstalledObjects.labelledWith(client, name, true)).as("left after uninstall").isEmpty();
    });
  }

  /** Removes the finalizer of a MeshInstall left behind by a failed test, so later tests start clean. */
  static void forget(KubernetesClient client, String name) {
    try {
      forgetOrThrow(client, name);
    } catch (RuntimeException e) {
      // cleanup after a failure must not hide the failure
      System.out.println("[cleanup] cannot remove MeshInstall " + name + ": " + e);
    }
  }

  private static void forgetOrThrow(KubernetesClient client, String name) {
    var mi = client.resources(MeshInstall.class).withName(name);
    if (mi.get() != null) {
      mi.delete();
      try {
        MergeEdits.edit(mi, m -> {
          m.getMetadata().setFinalizers(List.of());
          return m;
        });
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
  }

  /** Cleanup that does not hide the test's own failure. */
  static void deleteNamespaces(KubernetesClient client, String... names) {
    for (String name : names) {
      try {
        client.namespaces().withName(name).delete();
      } catch (RuntimeException e) {
        System.out.println("[cleanup] cannot delete namespace " + name + ": " + e);
      }
    }
  }

  static Pod pod(String name, Map<String, String> labels) {
    return new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
        .withTerminationGracePeriodSeconds(0L).endSpec().build();
  }

  static boolean injected(Pod pod) {
    return pod.getSpec().getInitContainers() != null
        && pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals("istio-proxy"));
  }

  /**
   * Marks every schedulable node unschedulable until the returned handle is closed (closing it
   * again does nothing): new pods stay Pending, so no install reaches Ready meanwhile. A test that
   * needs an install unfinished at a given moment then does not race the operator, which on the
   * local cluster's kwok nodes can apply everything and be Ready within one pass over the
   * managed kinds.
   */
  static AutoCloseable cordonNodes(KubernetesClient client) {
    List<String> cordoned = new ArrayList<>();
    for (Node node : client.nodes().list().getItems()) {
      if (!Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
        client.nodes().withName(node.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":true}}");
        cordoned.add(node.getMetadata().getName());
      }
    }
    assertThat(cordoned).as("schedulable nodes to cordon").isNotEmpty();
    var open = new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.getAndSet(false)) {
        cordoned.forEach(name -> client.nodes().withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":null}}"));
      }
    };
  }

  static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
