package dev.meshoperator.cli;

import dev.meshoperator.operator.OperatorMain;
import dev.meshoperator.operator.OperatorOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code meshctl operator}: runs the MeshInstall controller and the sidecar injection webhook, the
 * same process and options as the operator image's jar ({@link OperatorMain}).
 */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the operator: the MeshInstall controller and the sidecar injection webhook.")
final class OperatorCommand implements Callable<Integer> {

  @Mixin
  OperatorOptions options;

  @Override
  public Integer call() throws Exception {
    var processOptions = options.processOptions();
    try (KubernetesClient client = new KubernetesClientBuilder()
            .withHttpClientFactory(new JdkHttpClientFactory()).build()) {
      OperatorMain.runUntilStopped(client, processOptions);
    }
    return ExitCodes.OK;
  }
}
