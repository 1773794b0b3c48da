package dev.meshoperator.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every error into {@code meshctl: error: <one line>} and {@code hint: <one line>} on stderr
 * with the right exit code. Stack traces only with {@code --debug}: users read the first line of
 * an error, so that line must say what to do.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("meshctl: error: " + parseMessage(ex));
    String hint = "see '" + cmd.getCommandSpec().qualifiedName() + " --help'";
    if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
      hint = "did you mean " + String.join(" or ", unmatched.getSuggestions()) + "? " + hint;
    }
    err.println("hint: " + hint);
    if (debugRequested(args)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    int exitCode;
    if (ex instanceof CliException cli) {
      cli.details().forEach(err::println);
      err.println("meshctl: error: " + oneLine(cli.getMessage()));
      if (cli.hint() != null) {
        err.println("hint: " + oneLine(cli.hint()));
      }
      exitCode = cli.exitCode();
    } else {
      // A bug or an unexpected environment: say what it was, and how to see more.
      err.println("meshctl: error: " + describe(ex));
      err.println("hint: this is unexpected; run again with --debug for the stack trace");
      exitCode = ExitCodes.FAILURE;
    }
    if (debugRequested(parseResult.originalArgs().toArray(String[]::new))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return exitCode;
  }

  /** picocli's "Unmatched argument at index 0: 'x'" says more about picocli than about the mistake. */
  private static String parseMessage(ParameterException ex) {
    if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
      String first = unmatched.getUnmatched().get(0);
      boolean hasCommands = !ex.getCommandLine().getSubcommands().isEmpty();
      if (first.startsWith("-")) {
        return "unknown option '" + first + "'";
      }
      return hasCommands ? "unknown command '" + first + "'" : "unexpected argument '" + first + "'";
    }
    return oneLine(ex.getMessage());
  }

  /** --debug anywhere on the line; checked textually so it works even when parsing failed. */
  static boolean debugRequested(String[] args) {
    for (String a : args) {
      if ("--debug".equals(a)) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable ex) {
    Throwable root = ex;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? "" : ": " + root.getMessage();
    return oneLine(root.getClass().getSimpleName() + message);
  }

  static String oneLine(String text) {
    if (text == null) {
      return "";
    }
    String line = text.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl).strip();
  }
}
