package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import ch.qos.logback.classic.Level;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.localcluster.KubeBinaries;
import dev.meshoperator.localcluster.LocalCluster;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl demo}: the whole story on a machine without a cluster. A local control plane
 * (the test environment's binaries; kwok nodes stand in for kubelets, so pods are scheduled and
 * marked Ready but no container runs), the operator in this process, the demo profile, a labelled
 * namespace and an injected sample app.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start a local Kubernetes, run the operator in-process, install the demo profile and an injected sample app.",
        "Needs the binaries of hack/kube-testenv.sh. Runs until Ctrl-C."},
    footer = {"", "Examples:", "  meshctl demo", "  meshctl demo --exit-after-ready --keep"})
final class DemoCommand implements Callable<Integer> {
  static final String APP_NAMESPACE = "demo";
  static final String APP = "httpbin";
  static final String APP_IMAGE = "docker.io/mccutchen/go-httpbin:v2.15.0";
  static final String INSTALL_NAME = "demo";

  @Spec
  CommandSpec command;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
      description = "HTTPS port of the operator's webhook on 127.0.0.1 (default: a free one). The API server's port is chosen free.")
  int port;

  @Option(names = "--keep", description = "Keep the work directory (kubeconfig, logs, audit log) after exit.")
  boolean keep;

  @Option(names = "--exit-after-ready", description = "Stop everything and exit once the demo is shown (for scripts and tests).")
  boolean exitAfterReady;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the kubeconfig and logs go. Default: <tmp>/meshctl-demo.")
  Path workDir;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long each wait may take (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    KubeBinaries binaries = KubeBinaries.fromEnvironment(KubeBinaries.pinnedVersion());
    if (!binaries.missing().isEmpty()) {
      throw CliException.failure("the local cluster binaries are missing: " + binaries.missing().get(0),
          "run hack/kube-testenv.sh in the mesh-operator repository (it builds Kubernetes " + binaries.kubeVersion()
              + " into " + binaries.binDir() + "; about 6 minutes the first time)");
    }
    Path dir = (workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "meshctl-demo")).toAbsolutePath();
    PrintWriter out = command.commandLine().getOut();
    Progress progress = new Progress(out);
    Running running = new Running(dir, keep, ErrorReporter.debugRequested(command.commandLine().getParseResult()
        .originalArgs().toArray(String[]::new)));
    Thread hook = new Thread(running::close, "meshctl-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      show(running, binaries, dir, progress, out);
      if (exitAfterReady) {
        return ExitCodes.OK;
      }
      out.println();
      out.println("The demo runs until Ctrl-C.");
      out.flush();
      new CountDownLatch(1).await(); // the shutdown hook stops everything
      return ExitCodes.OK;
    } finally {
      running.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: nothing to remove
      }
    }
  }

  private void show(Running running, KubeBinaries binaries, Path dir, Progress progress, PrintWriter out) {
    var step = progress.step("starting a local Kubernetes v" + binaries.kubeVersion()
        + " (etcd, kube-apiserver, controller-manager, scheduler, 2 kwok nodes) in " + dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw CliException.failure("cannot create " + dir + ": " + e.getMessage(), "choose another --work-dir");
    }
    try {
      running.cluster = LocalCluster.start(binaries, dir);
    } catch (RuntimeException e) {
      throw CliException.failure("the local cluster did not start: " + ErrorReporter.describe(e),
          "its logs are in " + dir.resolve("logs"), e);
    }
    step.done("API server " + String.valueOf(running.cluster.client().getMasterUrl()).replaceAll("/$", ""));
    running.connection = ClusterConnection.open(new Meshctl.KubeOptions(running.cluster.kubeconfig(), null));
    ClusterConnection cluster = running.connection;
    ClusterApplier applier = new ClusterApplier(cluster, progress);

    step = progress.step("installing the MeshInstall CRD");
    applier.applyCrd();
    step.done();

    int webhookPort = port > 0 ? port : freePort();
    step = progress.step("starting the operator in this process (webhook https://127.0.0.1:" + webhookPort + "/inject)");
    applier.apply(new NamespaceBuilder().withNewMetadata().withName(BundledManifests.OPERATOR_NAMESPACE)
        .addToLabels("istio-injection", "disabled").endMetadata().build());
    var webhook = WebhookRuntime.Options.defaults(BundledManifests.OPERATOR_NAMESPACE)
        .withPort(webhookPort).withUrlHost("127.0.0.1").withManagementPort(0);
    running.operator = OperatorProcess.start(running.cluster.client(), new OperatorProcess.Options(webhook, Optional.empty(),
        OperatorProcess.USER_AGENT, FailurePolicy.Fail));
    step.done();

    step = progress.step("installing the demo profile (meshinstall/" + INSTALL_NAME + ")");
    MeshInstall install = new MeshInstall();
    install.setMetadata(new ObjectMetaBuilder().withName(INSTALL_NAME).build());
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(Profile.DEMO);
    install.setSpec(spec);
    applier.applyMeshInstall(install);
    MeshInstall ready = new MeshInstallWatcher(cluster, progress).awaitReady(INSTALL_NAME, timeout);
    step.done();

    step = progress.step("labelling namespace " + APP_NAMESPACE + " istio-injection=enabled and deploying " + APP);
    applier.apply(new NamespaceBuilder().withNewMetadata().withName(APP_NAMESPACE)
        .addToLabels("istio-injection", "enabled").endMetadata().build());
    applier.apply(sampleApp());
    Pod pod = awaitInjectedPod(cluster);
    step.done("pod " + pod.getMetadata().getName() + " Ready");

    out.println();
    out.println("Installed components (meshinstall/" + INSTALL_NAME + "):");
    VerifyInstallCommand.printComponents(out, VerifyInstallCommand.verify(cluster, ready).components());
    out.println();
    out.println("Injected pod " + APP_NAMESPACE + "/" + pod.getMetadata().getName() + ":");
    Table containers = new Table("CONTAINER", "TYPE", "IMAGE");
    for (Container c : orEmpty(pod.getSpec().getInitContainers())) {
      containers.row(c.getName(), "Always".equals(c.getRestartPolicy()) ? "sidecar (native)" : "init", c.getImage());
    }
    for (Container c : orEmpty(pod.getSpec().getContainers())) {
      containers.row(c.getName(), "istio-proxy".equals(c.getName()) ? "sidecar" : "app", c.getImage());
    }
    containers.print(out);
    out.println();
    out.println("kubeconfig: " + running.cluster.kubeconfig());
    out.println("  kubectl --kubeconfig " + running.cluster.kubeconfig() + " get pods -A");
    out.println("(kwok's fake nodes run no containers: pods are scheduled and reported Ready, nothing executes)");
    out.flush();
  }

  private static Deployment sampleApp() {
    return new DeploymentBuilder()
        .withNewMetadata().withName(APP).withNamespace(APP_NAMESPACE).addToLabels("app", APP).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", APP).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", APP).endMetadata()
        .withNewSpec().addNewContainer().withName(APP).withImage(APP_IMAGE)
        .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer()
        .endSpec().endTemplate().endSpec().build();
  }

  private Pod awaitInjectedPod(ClusterConnection cluster) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<Pod> pods = cluster.call("list pods in " + APP_NAMESPACE,
          () -> cluster.client().pods().inNamespace(APP_NAMESPACE).withLabel("app", APP).list().getItems());
      Optional<Pod> ready = pods.stream().filter(p -> AnalyzeCommand.proxy(p).isPresent() && isReady(p)).findFirst();
      if (ready.isPresent()) {
        return ready.get();
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted", null);
      }
    }
    throw CliException.failure("no injected, Ready " + APP + " pod in namespace " + APP_NAMESPACE + " after "
        + DurationConverter.format(timeout), "see the logs in " + (workDir == null ? "the work directory" : workDir.resolve("logs")));
  }

  private static boolean isReady(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static int freePort() {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the demo started, stopped in reverse order exactly once (from the command or the shutdown hook). */
  private static final class Running implements AutoCloseable {
    private final Path dir;
    private final boolean keep;
    private final ch.qos.logback.classic.Logger root;
    private final Level savedLevel;
    private boolean closed;
    private ch.qos.logback.classic.Logger quieted;
    LocalCluster cluster;
    ClusterConnection connection;
    OperatorProcess operator;

    Running(Path dir, boolean keep, boolean debug) {
      this.dir = dir;
      this.keep = keep;
      // The operator logs every reconcile at INFO; the progress lines tell the demo's story better.
      Logger logger = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
      root = logger instanceof ch.qos.logback.classic.Logger l ? l : null;
      savedLevel = root == null ? null : root.getLevel();
      if (root != null && !debug && root.isInfoEnabled()) {
        root.setLevel(Level.WARN);
      }
      // The operator's client lets fabric8 pick an HTTP client and warn about the choice: no news for a demo.
      if (!debug && LoggerFactory.getLogger("io.fabric8.kubernetes.client.utils.HttpClientUtils")
          instanceof ch.qos.logback.classic.Logger l && l.getLevel() == null) {
        l.setLevel(Level.ERROR);
        quieted = l;
      }
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      List<AutoCloseable> parts = new ArrayList<>();
      parts.add(operator);
      parts.add(connection);
      parts.add(cluster);
      for (AutoCloseable part : parts) {
        if (part != null) {
          try {
            part.close();
          } catch (Exception e) {
            LoggerFactory.getLogger(DemoCommand.class).warn("stopping {}: {}", part, e.toString());
          }
        }
      }
      if (!keep) {
        // Only what the cluster wrote: --work-dir may name a directory that holds other things.
        for (String entry : List.of("logs", "kubeconfig", "audit.log", "audit-policy.yaml", "pids")) {
          deleteTree(dir.resolve(entry));
        }
        dir.toFile().delete(); // only when empty
      }
      if (root != null) {
        root.setLevel(savedLevel);
      }
      if (quieted != null) {
        quieted.setLevel(null);
      }
    }

    private static void deleteTree(Path dir) {
      if (!Files.exists(dir)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // leftovers in a temporary directory are harmless
      }
    }
  }
}
