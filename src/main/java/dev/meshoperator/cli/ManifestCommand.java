package dev.meshoperator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "manifest", mixinStandardHelpOptions = true,
    description = "Work with the Kubernetes objects a MeshInstall becomes.",
    subcommands = {ManifestGenerateCommand.class, ManifestApplyCommand.class},
    footer = {"", "Examples:", "  meshctl manifest generate --profile demo", "  meshctl manifest apply --set profile=demo"})
final class ManifestCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing a subcommand (generate or apply)");
  }
}
