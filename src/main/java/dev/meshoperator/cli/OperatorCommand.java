package dev.meshoperator.cli;

import dev.meshoperator.operator.OperatorMain;
import dev.meshoperator.operator.OperatorOptions;
import dev.meshoperator.wiring.ApiServerHttpClientFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code meshctl operator}: runs the MeshInstall controller and the sidecar injection webhook, the
 * same process and options as the operator image's jar ({@link OperatorMain}).
 */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the operator: the MeshInstall controller and the sidecar injection webhook.",
    footer = {"", "Examples:",
        "  meshctl operator                                   # in the Deployment of deploy/, as its ServiceAccount",
        "  meshctl operator --webhook-url-host 192.168.1.10   # outside the cluster: the API server calls this host"})
final class OperatorCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  OperatorOptions options;

  @Override
  public Integer call() throws Exception {
    var processOptions = options.processOptions();
    options.applyLogLevel();
    // --kubeconfig/--context like every cluster command; without them KUBECONFIG, ~/.kube/config
    // or, in a pod, its ServiceAccount.
    io.fabric8.kubernetes.client.Config config = ClusterConnection.config(Meshctl.kubeOptions(spec));
    // One request each, without the client's retries, so that an unreachable cluster or rejected
    // credentials end the command with one line rather than a stack from deep inside the operator.
    // /version answers any client that may talk to the server; /apis also needs valid credentials.
    try (ClusterConnection probe = ClusterConnection.open(Meshctl.kubeOptions(spec))) {
      probe.requireReachable();
      probe.call("list the API groups of " + probe.server(), probe.client()::getApiGroups);
    }
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
            .withHttpClientFactory(new ApiServerHttpClientFactory(config)).build()) {
      try {
        OperatorMain.runUntilStopped(client, processOptions);
      } catch (RuntimeException e) {
        throw permissionFailure(e);
      }
    }
    return ExitCodes.OK;
  }

  /** What the webhook needs at start (its Secret, namespaces, MeshInstalls), refused, is one line. */
  private static RuntimeException permissionFailure(RuntimeException e) {
    var forbidden = dev.meshoperator.reconcile.Permission.forbiddenMessage(e);
    if (forbidden.isPresent()) {
      return CliException.failure("missing permission: " + ErrorReporter.oneLine(forbidden.get()),
          "the operator needs the RBAC of deploy/02-rbac.yaml (or the Helm chart)", e);
    }
    return e;
  }
}
