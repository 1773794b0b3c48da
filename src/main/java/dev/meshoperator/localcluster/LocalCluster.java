package dev.meshoperator.localcluster;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real control plane built by hack/kube-testenv.sh, run as local processes: etcd and
 * kube-apiserver through kube-api-test, then kube-controller-manager, kube-scheduler and kwok with
 * fake nodes (pods are bound and marked Running and Ready; no container runs). Logs, the API
 * server's audit log and the kubeconfig go to the work directory. The end-to-end tests' cluster
 * and {@code meshctl demo} are both this class; each instance has its own work directory and ports.
 * Stopping is the caller's job ({@link #close()}, from a shutdown hook where needed).
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  public static final String FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node";
  private static final int NODE_COUNT = 2;
  /** In the work directory, next to audit.log: one line per {@link #restartApiServer}, see {@link #apiServerRestarts()}. */
  private static final String API_SERVER_RESTARTS = "apiserver-restarts.log";

  private final KubeBinaries layout;
  private final Path workDir;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private KubeAPIServer apiServer;
  private KubernetesClient client;
  private Path kubeconfig;
  private List<String> nodeNames = List.of();
  private String startupSummary = "";
  /** The kube-apiserver started by {@link #restartApiServer} (before that, kube-api-test's). */
  private Process restartedApiServer;
  private int apiServerRestarts;
  private final List<ProcessHandle> ownProcesses = new ArrayList<>();

  private LocalCluster(KubeBinaries layout, Path workDir) {
    this.layout = layout;
    this.workDir = workDir;
  }

  /** Starts the whole cluster and returns when nodes are Ready and controllers run. */
  public static LocalCluster start(KubeBinaries layout, Path workDir) {
    layout.requireBinaries();
    var cluster = new LocalCluster(layout, workDir);
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() {
    long t0 = System.nanoTime();
    Path logs = workDir.resolve("logs");
    Path audit = workDir.resolve("audit.log");
    try {
      Files.createDirectories(logs);
      Files.deleteIfExists(audit);
      Files.deleteIfExists(workDir.resolve(API_SERVER_RESTARTS));
      Files.writeString(workDir.resolve("audit-policy.yaml"), AUDIT_POLICY);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StaleProcesses.reap(workDir.resolve("pids"), layout.binDir());
    // Only this cluster's processes: another cluster may run in the same JVM (tests and demo).
    Set<ProcessHandle> before = ProcessHandle.current().children().collect(Collectors.toSet());

    apiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(layout.kubeApiTestDir().toString())
        .withApiServerVersion(layout.kubeVersion())
        .withOfflineMode(true)
        .withWaitForEtcdHealthCheckOnStartup(true)
        .withStartupTimeout(120_000)
        .withApiServerFlag("--audit-policy-file", workDir.resolve("audit-policy.yaml").toString())
        .withApiServerFlag("--audit-log-path", audit.toString())
        .withApiServerFlag("--audit-log-mode", "blocking")
        .build());
    apiServer.start();
    long tApi = System.nanoTime();
    List<ProcessHandle> own = new ArrayList<>(ProcessHandle.current().children().filter(p -> !before.contains(p)).toList());
    StaleProcesses.record(workDir.resolve("pids"), own);

    String kubeconfigYaml = apiServer.getKubeConfigYaml();
    kubeconfig = workDir.resolve("kubeconfig");
    try {
      Files.writeString(kubeconfig, kubeconfigYaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The JDK client explicitly: Vert.x is on the classpath too, and fabric8 warns when it must pick.
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml))
        .withHttpClientFactory(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory()).build();

    String kc = kubeconfig.toString();
    Path certs = layout.kubeApiTestDir();
    processes.add(ManagedProcess.start("kube-controller-manager", layout.binary("kube-controller-manager"),
        logs, List.of("--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc,
            "--authorization-kubeconfig=" + kc, "--leader-elect=false",
            "--bind-address=127.0.0.1", "--secure-port=" + freePort(),
            // the token controller signs with the key the API server verifies with
            "--service-account-private-key-file=" + certs.resolve("apiserver.key"),
            "--root-ca-file=" + certs.resolve("apiserver.crt"),
            "--controllers=*", "--concurrent-gc-syncs=10",
            // kwok's heartbeat patches each node's status every 20-25 s, and one that falls in an
            // outage is lost: two API server restarts in a row (ApiServerRestartIT) left a node
            // without one for the default grace (50 s) in CI. The node controller then marks
            // the node's pods not ready, and kwok, unlike a kubelet, never marks them ready again:
            // the Deployments stay unavailable for good. Nothing here tests node failure.
            "--node-monitor-grace-period=5m", "--v=1")));
    processes.add(ManagedProcess.start("kube-scheduler", layout.binary("kube-scheduler"), logs,
        List.of("--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc,
            "--authorization-kubeconfig=" + kc, "--leader-elect=false",
            "--bind-address=127.0.0.1", "--secure-port=" + freePort(), "--v=1")));
    processes.add(ManagedProcess.start("kwok", layout.binary("kwok"), logs,
        List.of("--kubeconfig=" + kc, "--config=" + layout.binDir().resolve("kwok-stages.yaml"),
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=" + FAKE_NODE_ANNOTATION + "=fake",
            "--cidr=10.244.0.1/16", "--node-ip=10.96.0.1")));
    processes.forEach(p -> own.add(p.handle()));
    StaleProcesses.record(workDir.resolve("pids"), own);
    ownProcesses.addAll(own);

    nodeNames = IntStream.range(0, NODE_COUNT).mapToObj(i -> "kwok-node-" + i).toList();
    nodeNames.forEach(name -> client.nodes().resource(fakeNode(name)).serverSideApply());
    waitFor(Duration.ofSeconds(60), "kwok to mark nodes " + nodeNames + " Ready",
        () -> nodeNames.stream().allMatch(n -> isReady(client.nodes().withName(n).get())));
    // The service account controller creating "default" proves the controller-manager is working.
    waitFor(Duration.ofSeconds(60), "kube-controller-manager to create the default service account",
        () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    long tEnd = System.nanoTime();
    startupSummary = String.format(
        "local cluster %s ready in %.1fs (etcd+kube-apiserver %.1fs, then controllers, scheduler and %d Ready kwok nodes %.1fs); logs in %s",
        serverVersion(), secs(t0, tEnd), secs(t0, tApi), NODE_COUNT, secs(tApi, tEnd), logs);
    log.info(startupSummary);
  }

  /**
   * Kills kube-apiserver (SIGKILL, as kube-api-test stops it: a crash, not a drain), waits {@code downtime}, and starts it
   * again with the very same command line: same port, certificates and etcd, so clients keep their
   * configuration and etcd keeps every object. Returns when /readyz answers ok again. Each restart
   * appends "STOPPED READY" (two ISO-8601 instants: just before the old process was stopped, when
   * the new one first answered /readyz ok) to {@link #apiServerRestarts()}: what the API server
   * answered in between came from a server still starting (its RBAC authorizer's caches not yet
   * filled), which a reader of the audit log needs to know.
   *
   * @return how long the API server did not answer, in milliseconds
   */
  public synchronized long restartApiServer(Duration downtime) {
    ProcessHandle running;
    Runnable stop;
    if (restartedApiServer == null) {
      // kube-api-test's own process: stopped through it (stopApiServer marks the stop as wanted;
      // a process that just exits makes kube-api-test stop etcd too).
      Object kubeApiServerProcess = apiServerInternals();
      running = apiServerHandle(kubeApiServerProcess);
      stop = () -> invoke(kubeApiServerProcess, "stopApiServer");
    } else {
      running = restartedApiServer.toHandle();
      // As kube-api-test stops it: SIGKILL (after SIGTERM, this build's kube-apiserver can hang
      // in its graceful shutdown for longer than clients' leader election renew deadline).
      stop = running::destroyForcibly;
    }
    if (running == null || !running.isAlive()) {
      throw new IllegalStateException("no running kube-apiserver process of this cluster to restart");
    }
    // argv as given (/proc/PID/cmdline): the binaries are one multi-call program that takes its
    // role from argv[0], which ProcessHandle.Info would resolve to the program's own name.
    List<String> command;
    try {
      String cmdline = Files.readString(Path.of("/proc", Long.toString(running.pid()), "cmdline"));
      command = List.of(cmdline.split("\0"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kube-apiserver's command line", e);
    }
    java.time.Instant stopped = java.time.Instant.now();
    long t0 = System.nanoTime();
    stop.run();
    try {
      try {
        running.onExit().get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException slow) {
        log.warn("kube-apiserver still shutting down after SIGTERM and 20s; killing it");
        running.destroyForcibly();
        running.onExit().get(20, TimeUnit.SECONDS);
      }
      Thread.sleep(downtime.toMillis());
      apiServerRestarts++;
      Path logFile = workDir.resolve("logs").resolve("kube-apiserver-restart-" + apiServerRestarts + ".log");
      restartedApiServer = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(logFile.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start kube-apiserver again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("kube-apiserver did not stop", e);
    }
    ownProcesses.remove(running);
    ownProcesses.add(restartedApiServer.toHandle());
    StaleProcesses.record(workDir.resolve("pids"), ownProcesses);
    waitFor(Duration.ofSeconds(120), "kube-apiserver to be ready after its restart", () -> {
      if (!restartedApiServer.isAlive()) {
        throw new IllegalStateException("kube-apiserver exited " + restartedApiServer.exitValue() + " after its restart");
      }
      return "ok".equals(client.raw("/readyz"));
    });
    long downMs = (System.nanoTime() - t0) / 1_000_000;
    try {
      Files.writeString(apiServerRestarts(), stopped + " " + java.time.Instant.now() + "\n",
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the API server restart in " + apiServerRestarts(), e);
    }
    return downMs;
  }

  // kube-api-test has no API to restart the API server alone: reach its process object.
  private Object apiServerInternals() {
    try {
      var field = KubeAPIServer.class.getDeclaredField("kubeApiServerProcess");
      field.setAccessible(true);
      return field.get(apiServer);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this kube-api-test version hides its API server process", e);
    }
  }

  private static ProcessHandle apiServerHandle(Object kubeApiServerProcess) {
    try {
      var field = kubeApiServerProcess.getClass().getDeclaredField("apiServerProcess");
      field.setAccessible(true);
      Process p = (Process) field.get(kubeApiServerProcess);
      return p == null ? null : p.toHandle();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this kube-api-test version hides its API server process", e);
    }
  }

  private static void invoke(Object target, String method) {
    try {
      target.getClass().getMethod(method).invoke(target);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot call " + method + " of kube-api-test", e);
    }
  }

  /** How long each part took to start, and where the logs are. */
  public String startupSummary() {
    return startupSummary;
  }

  public Path workDir() {
    return workDir;
  }

  private static Node fakeNode(String name) {
    return new NodeBuilder()
        .withNewMetadata().withName(name)
        .withAnnotations(Map.of(FAKE_NODE_ANNOTATION, "fake", "node.alpha.kubernetes.io/ttl", "0"))
        .withLabels(Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux",
            "kubernetes.io/arch", "amd64", "type", "kwok"))
        .endMetadata()
        .withNewStatus()
        .withAllocatable(Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"),
            "pods", new Quantity("250")))
        .withCapacity(Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"),
            "pods", new Quantity("250")))
        .endStatus()
        .build();
  }

  private static boolean isReady(Node node) {
    return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Throws with the process's log location when a component of the cluster has died. */
  public void checkAlive() {
    for (ManagedProcess p : processes) {
      p.checkAlive();
    }
  }

  /** An admin client; owned by the cluster, do not close it. */
  public KubernetesClient client() {
    return client;
  }

  /** A kubeconfig file with admin credentials. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The API server's audit log (JSON lines): writes, and service accounts' reads. */
  public Path auditLog() {
    return workDir.resolve("audit.log");
  }

  /**
   * The API server restarts of this cluster's run, one line each: "STOPPED READY", two ISO-8601
   * instants (the old process about to be stopped; the new one's first /readyz ok). Absent until the
   * first restart.
   */
  public Path apiServerRestarts() {
    return workDir.resolve(API_SERVER_RESTARTS);
  }

  /** Runs kubectl against this cluster and returns what it printed; fails on a non-zero exit. */
  public String kubectl(List<String> args) {
    var command = new ArrayList<String>();
    command.add(layout.binary("kubectl").toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(args);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + args + " did not finish in 60s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("kubectl " + args + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public List<String> nodeNames() {
    return nodeNames;
  }

  /** e.g. "v1.36.3". */
  public String serverVersion() {
    return "v" + layout.kubeVersion();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (client != null) {
      client.close();
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop();
    }
    if (restartedApiServer != null) {
      restartedApiServer.destroy();
      try {
        if (!restartedApiServer.waitFor(20, TimeUnit.SECONDS)) {
          restartedApiServer.destroyForcibly();
        }
      } catch (InterruptedException e) {
        restartedApiServer.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (apiServer != null) {
      try {
        apiServer.stop();
      } catch (RuntimeException e) {
        log.warn("stopping kube-apiserver/etcd: {}", e.toString());
      }
    }
    try {
      Files.deleteIfExists(workDir.resolve("pids"));
    } catch (IOException ignored) {
      // a stale pid file is harmless: reap() checks each pid's command before killing it
    }
    log.info("local cluster stopped");
  }

  static int freePort() {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void waitFor(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      checkAlive();
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
    throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what
        + (last == null ? "" : " (last error: " + last + ")") + "; logs in " + workDir.resolve("logs"));
  }

  private static double secs(long from, long to) {
    return (to - from) / 1e9;
  }

  private static final String AUDIT_POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
      # Service accounts' reads too (the operator runs as one), so that every request of the
      # operator is on record for the permission report; not those of kube-system's controllers.
      - level: None
        userGroups: ["system:serviceaccounts:kube-system"]
        verbs: ["get", "list", "watch"]
      - level: Metadata
        userGroups: ["system:serviceaccounts"]
      # Other reads are many and say nothing about needless writes; keep the log to writes.
      - level: None
        verbs: ["get", "list", "watch"]
      - level: None
        resources:
        - group: "coordination.k8s.io"
          resources: ["leases"]
      - level: Metadata
      """;

  @Override
  public String toString() {
    return "local cluster " + serverVersion() + " nodes " + nodeNames.stream().collect(Collectors.joining(","));
  }
}
