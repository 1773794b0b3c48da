package dev.meshoperator.cli;

import dev.meshoperator.wiring.ApiErrors;
import dev.meshoperator.wiring.ApiServerHttpClientFactory;
import dev.meshoperator.wiring.KubeconfigExtensions;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cluster of the current kubeconfig (or {@code --kubeconfig}/{@code --context}), with a client
 * tuned for a CLI, and the one place that turns client errors into one-line {@link CliException}s.
 */
final class ClusterConnection implements AutoCloseable {
  static final String KUBECONFIG_HINT = "check KUBECONFIG or --kubeconfig and the current context (kubectl config current-context)";

  private final KubernetesClient client;
  private final String server;

  private ClusterConnection(KubernetesClient client) {
    this.client = client;
    this.server = String.valueOf(client.getMasterUrl()).replaceAll("/$", "");
  }

  /** Connects lazily: nothing is sent until the first request. */
  static ClusterConnection open(Meshctl.KubeOptions options) {
    Config base = config(options);
    // A CLI should answer within seconds; fabric8's default retries a refused connection for ~20 s.
    Config config = new ConfigBuilder(base)
        .withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000)
        .withUserAgent("meshctl/" + VersionInfo.current().meshctl())
        .build();
    // The JDK client explicitly: both it and Vert.x are on the classpath, and fabric8 warns when
    // it has to pick one at random.
    return new ClusterConnection(new KubernetesClientBuilder()
        .withConfig(config).withHttpClientFactory(new ApiServerHttpClientFactory(config)).build());
  }

  /**
   * The client configuration of {@code --kubeconfig}/{@code --context} when given, else of
   * KUBECONFIG, ~/.kube/config or the pod's ServiceAccount, without the CLI's tuning.
   */
  static Config config(Meshctl.KubeOptions options) {
    Path kubeconfig = options == null ? null : options.kubeconfig();
    String context = options == null ? null : options.context();
    KubeconfigExtensions.deferTypeRegistry();
    if (kubeconfig != null) {
      if (!Files.isRegularFile(kubeconfig)) {
        throw CliException.failure("kubeconfig " + kubeconfig + " does not exist", "give the path of a kubeconfig file to --kubeconfig");
      }
      return Config.fromKubeconfig(context, kubeconfig.toFile());
    }
    return Config.autoConfigure(context);
  }

  KubernetesClient client() {
    return client;
  }

  String server() {
    return server;
  }

  /**
   * {@code doing} failed: "cannot reach the cluster" when no HTTP answer came at all, else the
   * API server's own message with the status code.
   */
  CliException failure(String doing, KubernetesClientException e) {
    if (e.getCode() <= 0) {
      return CliException.failure("cannot reach the cluster at " + server + ": " + ClusterMeshInstalls.transportCause(e),
          KUBECONFIG_HINT, e);
    }
    String status = ApiErrors.message(e);
    String hint = e.getCode() == 401 || e.getCode() == 403
        ? "your credentials may not allow this; see what they allow with: kubectl auth can-i --list"
        : "check the current context (kubectl config current-context)";
    return CliException.failure("cannot " + doing + " (HTTP " + e.getCode() + "): " + ErrorReporter.oneLine(status), hint, e);
  }

  /** Runs a request, translating client errors; for the many one-off calls of the cluster commands. */
  <T> T call(String doing, java.util.function.Supplier<T> request) {
    try {
      return request.get();
    } catch (KubernetesClientException e) {
      throw failure(doing, e);
    }
  }

  void run(String doing, Runnable request) {
    call(doing, () -> {
      request.run();
      return null;
    });
  }

  /** Fails fast, with the one-line message, when the API server does not answer at all. */
  io.fabric8.kubernetes.client.VersionInfo requireReachable() {
    return call("read the server version from " + server, client::getKubernetesVersion);
  }

  @Override
  public void close() {
    client.close();
  }

  /** A request that got no usable answer, for code that holds a bare client. */
  static CliException unreachable(KubernetesClientException e) {
    return CliException.failure("cannot reach the cluster: " + ClusterMeshInstalls.transportCause(e), KUBECONFIG_HINT, e);
  }

  /**
   * @param what what was being read, e.g. "MeshInstall default" or "pods"
   * @param access the verb and resource for kubectl auth can-i, e.g. "get meshinstalls"
   */
  static CliException readFailure(String what, String access, String server, KubernetesClientException e) {
    if (e.getCode() <= 0) {
      // No HTTP answer at all: the cause (connection refused, unknown host, TLS) is the news.
      return CliException.failure("cannot reach the cluster at " + server + ": " + ClusterMeshInstalls.transportCause(e),
          KUBECONFIG_HINT, e);
    }
    if (e.getCode() == 404 && access.endsWith(" meshinstalls")) {
      return CliException.failure("cannot read " + what + " from " + server + ": the meshinstalls resource does not exist",
          "install the operator (its CRD) first", e);
    }
    String status = ApiErrors.message(e);
    return CliException.failure("cannot read " + what + " from " + server + " (HTTP " + e.getCode() + "): " + ErrorReporter.oneLine(status),
        e.getCode() == 401 || e.getCode() == 403
            ? "your credentials may not " + access + "; try: kubectl auth can-i " + access
            : "check the current context (kubectl config current-context)", e);
  }
}
