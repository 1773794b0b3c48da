package dev.meshoperator.cli;

/** meshctl's exit codes; scripts rely on them, so they never change meaning. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The command could not do its job, or found what it was asked to look for (kube-inject refusals). */
  public static final int FAILURE = 1;
  /** The command line was wrong: unknown option, missing argument, a value that cannot be parsed. */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
