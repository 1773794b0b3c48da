package dev.meshoperator.cli;

import java.util.List;

/**
 * A problem the user can fix, reported as one {@code meshctl: error:} line and a hint, never as a
 * stack trace. {@code details} are printed above the error line, one per line (validation
 * problems as {@code field: reason}).
 */
public final class CliException extends RuntimeException {
  private final String hint;
  private final int exitCode;
  private final List<String> details;

  private CliException(String message, String hint, int exitCode, List<String> details, Throwable cause) {
    super(message, cause);
    this.hint = hint;
    this.exitCode = exitCode;
    this.details = List.copyOf(details);
  }

  /** The command ran and could not do its job (bad input file, invalid MeshInstall, cluster error). */
  public static CliException failure(String message, String hint) {
    return new CliException(message, hint, ExitCodes.FAILURE, List.of(), null);
  }

  public static CliException failure(String message, String hint, Throwable cause) {
    return new CliException(message, hint, ExitCodes.FAILURE, List.of(), cause);
  }

  public static CliException failure(String message, String hint, List<String> details) {
    return new CliException(message, hint, ExitCodes.FAILURE, details, null);
  }

  /** The command line itself is wrong (an option value that cannot mean anything). */
  public static CliException usage(String message, String hint) {
    return new CliException(message, hint, ExitCodes.USAGE, List.of(), null);
  }

  public String hint() {
    return hint;
  }

  public int exitCode() {
    return exitCode;
  }

  public List<String> details() {
    return details;
  }
}
