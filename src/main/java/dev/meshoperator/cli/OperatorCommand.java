package dev.meshoperator.cli;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.webhook.CertificateManager;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshctl operator}: runs the MeshInstall controller and the sidecar injection webhook. */
@Command(name = "operator", mixinStandardHelpOptions = true,
    description = "Run the operator: the MeshInstall controller and the sidecar injection webhook.",
    footer = {"", "Examples:",
        "  meshctl operator                                   # in the Deployment of deploy/, as its ServiceAccount",
        "  meshctl operator --webhook-url-host 192.168.1.10   # outside the cluster: the API server calls this host"})
final class OperatorCommand implements Callable<Integer> {

  @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-mesh-operator}",
      description = "Namespace of the operator: its leader election Lease and webhook certificate Secret (default: $POD_NAMESPACE or ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--webhook-port", defaultValue = "9443", description = "HTTPS port of the admission webhook (default ${DEFAULT-VALUE}).")
  int webhookPort;

  @Option(names = "--health-port", defaultValue = "8080",
      description = "Plain-HTTP port for /healthz, /readyz and /metrics (default ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(names = "--leader-election", description = "Run the controller only in the elected leader (every replica serves the webhook).")
  boolean leaderElection;

  @Option(names = "--pod-name", defaultValue = "${env:POD_NAME:-}", description = "Identity in leader election (default: $POD_NAME, else the host name).")
  String podName;

  @Option(names = "--webhook-service", defaultValue = "mesh-operator",
      description = "Service through which the API server reaches the webhook (default ${DEFAULT-VALUE}).")
  String webhookService;

  @Option(names = "--webhook-url-host",
      description = "Run outside the cluster: the API server calls https://HOST:PORT/inject instead of the Service.")
  String webhookUrlHost;

  @Option(names = "--certificates", defaultValue = "managed",
      description = "managed: the operator keeps its own CA and serving certificate; external: read them from the Secret cert-manager maintains (default ${DEFAULT-VALUE}).")
  String certificates;

  @Option(names = "--cert-secret", defaultValue = "mesh-operator-webhook-tls",
      description = "Secret holding the webhook certificates (default ${DEFAULT-VALUE}).")
  String certSecret;

  @Option(names = "--default-failure-policy", defaultValue = "Fail",
      description = "Webhook failurePolicy for MeshInstalls that do not set one: Fail or Ignore (default ${DEFAULT-VALUE}).")
  FailurePolicy defaultFailurePolicy;

  @Override
  public Integer call() throws Exception {
    CertificateManager.Mode mode = switch (certificates.toLowerCase(java.util.Locale.ROOT)) {
      case "managed" -> CertificateManager.Mode.MANAGED;
      case "external" -> CertificateManager.Mode.EXTERNAL;
      default -> throw CliException.usage("--certificates must be managed or external, not '" + certificates + "'",
          "use --certificates=external when cert-manager maintains the Secret");
    };
    var webhook = WebhookRuntime.Options.defaults(namespace)
        .withPort(webhookPort)
        .withManagementPort(healthPort);
    webhook = new WebhookRuntime.Options(webhook.operatorNamespace(), webhookService, certSecret,
        Optional.ofNullable(webhookUrlHost), webhook.bindAddress(), webhook.port(), webhook.managementPort(),
        mode, null, webhook.clock(), webhook.certificateCheckInterval());
    Optional<String> identity = leaderElection
        ? Optional.of(podName == null || podName.isBlank() ? java.net.InetAddress.getLocalHost().getHostName() : podName)
        : Optional.empty();
    var latch = new CountDownLatch(1);
    try (KubernetesClient client = new KubernetesClientBuilder()
            .withHttpClientFactory(new JdkHttpClientFactory()).build();
        OperatorProcess process = OperatorProcess.start(client, new OperatorProcess.Options(webhook, identity,
            OperatorProcess.USER_AGENT, defaultFailurePolicy))) {
      Runtime.getRuntime().addShutdownHook(new Thread(latch::countDown, "meshctl-operator-stop"));
      latch.await();
    }
    return ExitCodes.OK;
  }
}
