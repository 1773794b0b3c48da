package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl install}: the CRD, the operator (deploy/, from the jar) and a MeshInstall. Also
 * answers to istioctl's spelling, {@code install --set profile=demo -y}; {@code manifest apply}
 * is the same command waiting by default, as istioctl's does.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
    description = {
        "Install the MeshInstall CRD, the operator (the objects of deploy/) and a MeshInstall, by server-side apply.",
        "Uses the current kubeconfig. The MeshInstall is read as by 'manifest generate'."},
    footer = {"", "Examples:",
        "  meshctl install --profile demo --wait",
        "  meshctl install --set profile=demo -y               # istioctl's spelling",
        "  meshctl install -f examples/meshinstall-default.yaml --set revision=canary --name canary",
        "  meshctl install --profile minimal --skip-operator    # the operator runs already (helm, or elsewhere)"})
class InstallCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Mixin
  MeshInstallOptions meshInstall;

  @Option(names = "--wait", negatable = true,
      description = "Wait until the MeshInstall is Ready, printing progress (install: off; manifest apply: on).")
  Boolean await;

  // istioctl asks before installing and -y skips the question; meshctl never asks, so it is accepted and changes nothing.
  @Option(names = {"-y", "--skip-confirmation"}, description = "Accepted for istioctl's command lines; meshctl does not ask for confirmation.")
  boolean skipConfirmation;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long --wait waits (default ${DEFAULT-VALUE}), e.g. 90s, 10m.")
  Duration timeout;

  @Option(names = "--operator-image", paramLabel = "IMAGE",
      description = "The operator's image, instead of deploy/'s.")
  String operatorImage;

  @Option(names = "--skip-operator",
      description = "Do not install the operator: it runs already (installed by Helm, or outside the cluster).")
  boolean skipOperator;

  @Override
  public Integer call() {
    if (skipOperator && operatorImage != null) {
      throw CliException.usage("--operator-image has no effect with --skip-operator", "give one of them");
    }
    MeshInstall install = meshInstall.build(command.commandLine().getErr());
    String name = install.getMetadata().getName();
    EffectiveConfig config = Profiles.resolve(install);
    Progress progress = new Progress(command.commandLine().getOut());
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      ClusterApplier applier = new ClusterApplier(cluster, progress);
      applier.applyCrd();
      if (!skipOperator) {
        applier.applyOperator(operatorImage);
      }
      applier.applyMeshInstall(install);
      progress.line("meshinstall/" + name + " serverside-applied (profile " + config.profile().wireName()
          + ", revision " + config.revision().label() + ", namespace " + config.namespace() + ")");
      if (await != null ? await : waitsByDefault()) {
        new MeshInstallWatcher(cluster, progress).awaitReady(name, timeout);
      } else {
        progress.line("the operator installs it now; follow with: meshctl verify-install --name " + name);
      }
    }
    return ExitCodes.OK;
  }

  boolean waitsByDefault() {
    return false;
  }
}
