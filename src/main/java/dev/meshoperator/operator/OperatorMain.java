package dev.meshoperator.operator;

import dev.meshoperator.wiring.ApiServerHttpClientFactory;
import dev.meshoperator.wiring.KubeconfigExtensions;
import dev.meshoperator.wiring.LogConfigurator;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Entry point of {@code target/mesh-operator.jar}, the operator image's jar: runs the operator and
 * nothing else (no meshctl commands, no local cluster). A leading {@code operator} argument is
 * accepted and dropped, so the Deployment's {@code args: [operator, ...]} mean the same here as to
 * {@code meshctl operator}.
 */
@Command(name = "mesh-operator", mixinStandardHelpOptions = true, versionProvider = OperatorMain.Version.class,
    description = "Run the operator: the MeshInstall controller and the sidecar injection webhook.")
public final class OperatorMain implements Callable<Integer> {
  static final String OPERATOR_COMMAND = "operator";

  @Mixin
  OperatorOptions options;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig to use. Default: in the cluster, the pod's ServiceAccount; else $KUBECONFIG, else ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "Kubeconfig context. Default: the current context.")
  String context;

  @Option(names = "--debug", description = "Print the stack trace of a fatal error.")
  boolean debug;

  public static void main(String[] args) {
    // Before the first logger, which sets logging up: --log-level holds from the first line.
    if (System.getProperty(LogConfigurator.LEVEL_PROPERTY) == null) {
      LogConfigurator.levelOption(args).ifPresent(level -> System.setProperty(LogConfigurator.LEVEL_PROPERTY, level));
    }
    // Before the command line is even parsed: the injection path is warm by the time the server
    // starts (OperatorProcess.start stops it if the command line turns the warm-up off).
    dev.meshoperator.webhook.WebhookWarmUp.startEarlyOnce(dev.meshoperator.webhook.WebhookWarmUp.DEFAULT_BUDGET,
        OperatorProcess.EARLY_WARM_UP_REQUESTS);
    System.exit(commandLine().execute(withoutOperatorCommand(args)));
  }

  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new OperatorMain());
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      // One line a reader of `kubectl logs` can act on; the stack trace only with --debug.
      line.getErr().println("mesh-operator: error: " + describe(ex));
      if (line.getCommand() instanceof OperatorMain main && main.debug) {
        ex.printStackTrace(line.getErr());
      }
      line.getErr().flush();
      return 1;
    });
    cmd.setParameterExceptionHandler((ex, args) -> {
      ex.getCommandLine().getErr().println("mesh-operator: error: " + ex.getMessage() + " (see 'mesh-operator --help')");
      ex.getCommandLine().getErr().flush();
      return 2;
    });
    return cmd;
  }

  /** {@code operator --flag ...} and {@code --flag ...} are the same command line. */
  static String[] withoutOperatorCommand(String[] args) {
    return args.length > 0 && OPERATOR_COMMAND.equals(args[0]) ? Arrays.copyOfRange(args, 1, args.length) : args;
  }

  @Override
  public Integer call() throws InterruptedException {
    OperatorProcess.Options processOptions = options.processOptions();
    options.applyLogLevel();
    Config config = config();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
        .withHttpClientFactory(new ApiServerHttpClientFactory(config)).build()) {
      runUntilStopped(client, processOptions);
    }
    return 0;
  }

  private Config config() {
    // Out of the cluster (a kubeconfig): without it the kubeconfig's parse would build fabric8's
    // registry of every model type on this thread, beside the early warm-up building its own.
    KubeconfigExtensions.deferTypeRegistry();
    if (kubeconfig == null) {
      return Config.autoConfigure(context);
    }
    if (!Files.isRegularFile(kubeconfig)) {
      throw new IllegalArgumentException("kubeconfig " + kubeconfig + " does not exist");
    }
    return Config.fromKubeconfig(context, kubeconfig.toFile());
  }

  /**
   * How long the shutdown hook waits for the operator to stop: under the kubelet's default grace
   * period (30 s) between SIGTERM and SIGKILL.
   */
  static final long STOP_WAIT_SECONDS = 25;

  /**
   * Starts the operator on {@code client} and blocks until the JVM is asked to stop (SIGTERM from
   * the kubelet); then stops the controller and the webhook (in-flight admissions answered, the
   * leader election Lease released) before returning. The shutdown hook waits for that: the JVM
   * halts as soon as its hooks have run, and a hook that only woke this thread used to let the JVM
   * halt in the middle of it (nothing of the stop was ever logged; LeaseReleaseIT).
   */
  public static void runUntilStopped(KubernetesClient client, OperatorProcess.Options options)
      throws InterruptedException {
    var stop = new CountDownLatch(1);
    var stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "mesh-operator-stop");
    try {
      try (OperatorProcess process = OperatorProcess.start(client, options)) {
        Runtime.getRuntime().addShutdownHook(hook);
        stop.await();
      }
    } finally {
      stopped.countDown();
    }
  }

  private static String describe(Throwable ex) {
    Throwable root = ex;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  /** The jar manifest's Implementation-Version (the build writes it). */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = OperatorMain.class.getPackage().getImplementationVersion();
      return new String[] {"mesh-operator " + (version == null ? "(not running from mesh-operator.jar)" : version)};
    }
  }
}
