package dev.meshoperator.cli;

import picocli.CommandLine.Command;

/**
 * {@code meshctl manifest apply}: istioctl's older name of install, kept because getting-started
 * guides still type it. It is {@code install} (CRD, operator, MeshInstall), waiting until Ready
 * unless {@code --no-wait}; {@code manifest generate} with the same options prints what it removes.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = {
        "Install the MeshInstall CRD, the operator (deploy/) and a MeshInstall, then wait until it is Ready.",
        "istioctl's 'manifest apply'; the same as 'meshctl install --wait'.",
        "'meshctl manifest generate <the same options> | kubectl delete -f -' removes the mesh again."},
    footer = {"", "Examples:",
        "  meshctl manifest apply --set profile=demo",
        "  meshctl manifest apply --set profile=demo --set values.global.hub=registry.example.com/istio -y",
        "  meshctl manifest generate --set profile=demo | kubectl delete -f -    # removes what apply installed"})
final class ManifestApplyCommand extends InstallCommand {
  @Override
  boolean waitsByDefault() {
    return true;
  }
}
