package dev.meshoperator.cli;

import dev.meshoperator.wiring.LogConfigurator;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl}: the command-line entry point, and the runnable jar's main class.
 * Exit codes: 0 ok, 1 the command failed, 2 the command line was wrong (see {@link ExitCodes}).
 */
@Command(
    name = "meshctl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.Provider.class,
    description = "Installs and inspects an Istio-style service mesh managed by mesh-operator.",
    footer = {"", "Examples:",
        "  meshctl demo                                   # everything on a local cluster of its own",
        "  meshctl x precheck && meshctl install --set profile=demo -y",
        "  meshctl manifest generate --set profile=demo | kubectl delete -f -"},
    subcommands = {
        // --- offline: need no cluster and no kubeconfig -------------------------------------
        VersionCommand.class,
        ManifestCommand.class,
        KubeInjectCommand.class,
        CheckInjectCommand.class,
        // --- the operator process: reconciler + webhook ------------------------------------
        OperatorCommand.class,
        // --- cluster commands: the current kubeconfig's cluster (or --kubeconfig/--context) ------
        PrecheckCommand.class,
        InstallCommand.class,
        VerifyInstallCommand.class,
        AnalyzeCommand.class,
        CreateRemoteSecretCommand.class,
        UpgradeCommand.class,
        UninstallCommand.class,
        ExperimentalCommand.class,
        // --- a local cluster of its own -------------------------------------------------------
        DemoCommand.class,
        DashboardCommand.class,
        CompletionCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Meshctl implements Runnable {

  @Spec
  CommandSpec spec;

  // Read by ErrorReporter from the raw arguments (so it also works for parse errors); declared
  // here so that it is documented and accepted everywhere on the line.
  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors and log at DEBUG.")
  boolean debug;

  // Inherited: accepted before or after the command name, the value lands here either way.
  @Option(names = "--kubeconfig", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
      description = "Kubeconfig of the cluster commands. Default: $KUBECONFIG, else ~/.kube/config.")
  java.nio.file.Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", scope = CommandLine.ScopeType.INHERIT,
      description = "Kubeconfig context of the cluster commands. Default: the current context.")
  String context;

  /** Which cluster the cluster commands talk to. */
  record KubeOptions(java.nio.file.Path kubeconfig, String context) {}

  KubeOptions kubeOptions() {
    return new KubeOptions(kubeconfig, context);
  }

  /** The global options of the meshctl a command runs under. */
  static KubeOptions kubeOptions(CommandSpec command) {
    Object root = command.root().userObject();
    return root instanceof Meshctl m ? m.kubeOptions() : new KubeOptions(null, null);
  }

  static final String PKCS12_KEY_ROUNDS = "keystore.pkcs12.keyPbeIterationCount";

  public static void main(String[] args) {
    if (System.getProperty(LogConfigurator.LEVEL_PROPERTY) == null) {
      // must happen before the first logger is created, which is when logback runs LogConfigurator;
      // `meshctl operator --log-level=X` first, then --debug
      LogConfigurator.levelOption(args).or(() -> ErrorReporter.debugRequested(args) ? java.util.Optional.of("DEBUG")
          : java.util.Optional.empty()).ifPresent(level -> System.setProperty(LogConfigurator.LEVEL_PROPERTY, level));
    }
    // A kubeconfig's client certificate key goes into an in-memory PKCS12 KeyStore (fabric8's
    // SSLUtils), where the JDK encrypts it with 10,000 PBKDF2 rounds and decrypts it again: some
    // 0.3-0.6 s of CPU at every start of a cluster command. Nothing is protected by it (the key sits
    // in plain text in the kubeconfig and in memory, and meshctl never stores a KeyStore), so one round.
    if (System.getProperty(PKCS12_KEY_ROUNDS) == null) {
      System.setProperty(PKCS12_KEY_ROUNDS, "1");
    }
    CommandLine cmd = commandLine();
    int exitCode = cmd.execute(args);
    // picocli's writers flush on println only; a large print() would be cut off by exit.
    cmd.getOut().flush();
    cmd.getErr().flush();
    System.exit(exitCode);
  }

  /** meshctl with its error handling, printing to the process's stdout and stderr. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Meshctl());
    ErrorReporter errors = new ErrorReporter();
    cmd.setExecutionExceptionHandler(errors);
    cmd.setParameterExceptionHandler(errors);
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    // picocli's own help command has no examples of its own; every meshctl command shows some.
    cmd.getSubcommands().get("help").getCommandSpec().usageMessage()
        .footer("", "Examples:", "  meshctl help install", "  meshctl help manifest generate");
    return cmd;
  }

  /** For tests and embedding: run meshctl in-process with its output captured. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cmd = commandLine();
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      return cmd.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Bare {@code meshctl}: a command is required. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "no command given");
  }
}
