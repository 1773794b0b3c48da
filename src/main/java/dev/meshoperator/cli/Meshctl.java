package dev.meshoperator.cli;

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
    subcommands = {
        // --- offline: need no cluster and no kubeconfig -------------------------------------
        VersionCommand.class,
        ManifestCommand.class,
        KubeInjectCommand.class,
        CheckInjectCommand.class,
        // --- the operator process: reconciler + webhook ------------------------------------
        OperatorCommand.class,
        // --- cluster commands register here: install, uninstall, verify-install, precheck,
        //     analyze, demo (each its own *Command class in this package) ----------------------
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

  public static void main(String[] args) {
    if (ErrorReporter.debugRequested(args) && System.getProperty("meshctl.log.level") == null) {
      // must happen before the first logger is created, which is when logback reads its config
      System.setProperty("meshctl.log.level", "DEBUG");
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
