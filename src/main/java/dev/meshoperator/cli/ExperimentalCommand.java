package dev.meshoperator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl x}: istioctl keeps some commands under {@code x} (experimental), and its guides
 * start with {@code istioctl x precheck}. Ours are not experimental; this group only lets those
 * command lines run unchanged.
 */
@Command(name = "x", aliases = "experimental", mixinStandardHelpOptions = true,
    description = "istioctl's spelling of commands it keeps under 'x': 'meshctl x precheck' is 'meshctl precheck'.",
    subcommands = {PrecheckCommand.class},
    footer = {"", "Examples:", "  meshctl x precheck"})
final class ExperimentalCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing a subcommand (precheck)");
  }
}
