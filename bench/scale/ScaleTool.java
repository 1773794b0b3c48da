import dev.meshoperator.localcluster.KubeBinaries;
import dev.meshoperator.localcluster.LocalCluster;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Helper of bench/scale.sh (run as a single-file program on target/meshctl.jar's classpath):
 *   cluster WORK                      start the local cluster, print READY kubeconfig=..., wait until killed
 *   nodes COUNT PODS_EACH             add kwok fake nodes kwok-scale-N (the two of LocalCluster hold 250 pods each)
 *   namespaces COUNT                  create scale-0000.. labelled istio-injection=enabled
 *   pods NAMESPACES PER_NS            create bare pods (label app=scale) in them, in parallel
 *   wait-running TOTAL TIMEOUT_S      until TOTAL pods labelled app=scale are Running
 *   label NAMESPACES KEY VALUE        set (VALUE "-" removes) a label on every scale namespace
 * Admin access through $KUBECONFIG.
 */
public class ScaleTool {
  static final int THREADS = 16;

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "cluster" -> {
        LocalCluster c = LocalCluster.start(KubeBinaries.fromEnvironment(KubeBinaries.pinnedVersion()), Path.of(args[1]));
        System.out.println("READY kubeconfig=" + c.kubeconfig() + " audit=" + c.auditLog() + " " + c.startupSummary());
        Runtime.getRuntime().addShutdownHook(new Thread(c::close));
        Thread.currentThread().join();
      }
      case "nodes" -> withClient(c -> nodes(c, Integer.parseInt(args[1]), Integer.parseInt(args[2])));
      case "namespaces" -> withClient(c -> namespaces(c, Integer.parseInt(args[1])));
      case "pods" -> withClient(c -> pods(c, Integer.parseInt(args[1]), Integer.parseInt(args[2])));
      case "wait-running" -> withClient(c -> waitRunning(c, Integer.parseInt(args[1]), Integer.parseInt(args[2])));
      case "label" -> withClient(c -> label(c, Integer.parseInt(args[1]), args[2], args[3]));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  interface Body {
    void run(KubernetesClient c) throws Exception;
  }

  static void withClient(Body body) throws Exception {
    try (KubernetesClient c = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory()).build()) {
      body.run(c);
    }
  }

  static String ns(int i) {
    return String.format("scale-%04d", i);
  }

  static void parallel(int count, java.util.function.IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    AtomicInteger failed = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      futures.add(pool.submit(() -> {
        for (int attempt = 1; ; attempt++) {
          try {
            task.accept(n);
            return;
          } catch (RuntimeException e) {
            if (attempt == 5) {
              failed.incrementAndGet();
              System.err.println("failed " + n + ": " + e.getMessage());
              return;
            }
            try {
              Thread.sleep(500L * attempt);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " of " + count + " failed");
    }
  }

  static void nodes(KubernetesClient c, int count, int podsEach) throws Exception {
    for (int i = 0; i < count; i++) {
      Map<String, Quantity> capacity = Map.of("cpu", new Quantity("1000"), "memory", new Quantity("4Ti"),
          "pods", new Quantity(Integer.toString(podsEach)));
      Node node = new NodeBuilder().withNewMetadata().withName("kwok-scale-" + i)
          .withAnnotations(Map.of(LocalCluster.FAKE_NODE_ANNOTATION, "fake", "node.alpha.kubernetes.io/ttl", "0"))
          .withLabels(Map.of("kubernetes.io/hostname", "kwok-scale-" + i, "kubernetes.io/os", "linux",
              "kubernetes.io/arch", "amd64", "type", "kwok"))
          .endMetadata().withNewStatus().withAllocatable(capacity).withCapacity(capacity).endStatus().build();
      c.nodes().resource(node).serverSideApply();
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      long ready = c.nodes().list().getItems().stream().filter(n -> n.getMetadata().getName().startsWith("kwok-scale-"))
          .filter(n -> n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
              .anyMatch(k -> "Ready".equals(k.getType()) && "True".equals(k.getStatus()))).count();
      if (ready == count) {
        System.out.println(count + " extra kwok nodes Ready, " + podsEach + " pods each");
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("only " + ready + " of " + count + " extra nodes Ready");
      }
      Thread.sleep(500);
    }
  }

  static void namespaces(KubernetesClient c, int count) throws Exception {
    long t0 = System.nanoTime();
    parallel(count, i -> c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns(i))
        .withLabels(Map.of("istio-injection", "enabled", "bench", "scale")).endMetadata().build()).createOr(x -> x.update()));
    System.out.printf("created %d namespaces in %.1fs%n", count, (System.nanoTime() - t0) / 1e9);
  }

  static void pods(KubernetesClient c, int namespaces, int perNs) throws Exception {
    long t0 = System.nanoTime();
    parallel(namespaces * perNs, n -> {
      String name = "app-" + (n % perNs);
      Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns(n / perNs))
          .withLabels(Map.of("app", "scale")).endMetadata()
          .withNewSpec()
          .addNewContainer().withName("app").withImage("registry.example/app:1")
          .addNewPort().withContainerPort(8080).endPort().endContainer()
          .withNodeSelector(Map.of("type", "kwok"))
          .addNewToleration().withKey("kwok.x-k8s.io/node").withOperator("Exists").withEffect("NoSchedule").endToleration()
          .endSpec().build();
      if (c.pods().inNamespace(pod.getMetadata().getNamespace()).withName(name).get() == null) {
        c.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
      }
    });
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("created %d pods in %.1fs (%.0f/s)%n", namespaces * perNs, s, namespaces * perNs / s);
  }

  static int[] countPods(KubernetesClient c) {
    int running = 0;
    int injected = 0;
    int total = 0;
    String cont = null;
    do {
      PodList page = c.pods().inAnyNamespace().withLabel("app", "scale")
          .list(new ListOptionsBuilder().withLimit(1000L).withContinue(cont).build());
      for (Pod p : page.getItems()) {
        total++;
        if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
          running++;
        }
        if (p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey("sidecar.istio.io/status")) {
          injected++;
        }
      }
      cont = page.getMetadata().getContinue();
    } while (cont != null && !cont.isEmpty());
    return new int[] {total, running, injected};
  }

  static void waitRunning(KubernetesClient c, int expected, int timeoutSeconds) throws Exception {
    long t0 = System.nanoTime();
    long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
    int[] n;
    while (true) {
      n = countPods(c);
      if (n[1] >= expected) {
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        System.out.printf("TIMEOUT pods=%d running=%d injected=%d%n", n[0], n[1], n[2]);
        System.exit(2);
      }
      Thread.sleep(3000);
    }
    System.out.printf("pods=%d running=%d injected=%d (waited %.1fs)%n", n[0], n[1], n[2], (System.nanoTime() - t0) / 1e9);
  }

  static void label(KubernetesClient c, int count, String key, String value) throws Exception {
    long t0 = System.nanoTime();
    parallel(count, i -> c.namespaces().withName(ns(i)).edit(n -> {
      if ("-".equals(value)) {
        n.getMetadata().getLabels().remove(key);
      } else {
        n.getMetadata().getLabels().put(key, value);
      }
      return n;
    }));
    System.out.printf("labelled %d namespaces %s=%s in %.1fs%n", count, key, value, (System.nanoTime() - t0) / 1e9);
  }
}
