package dev.meshoperator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

/**
 * The client meshctl's read-only cluster commands use (the current kubeconfig, as kubectl), and how
 * their API errors become one-line {@link CliException}s.
 */
final class ClusterConnection {
  static final String CONTEXT_HINT = "check KUBECONFIG and the current context (kubectl config current-context)";

  private ClusterConnection() {}

  static KubernetesClient open() {
    // A CLI should answer within seconds; fabric8's default retries a refused connection for ~20 s.
    Config config = new ConfigBuilder(Config.autoConfigure(null))
        .withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000)
        .build();
    // The JDK client explicitly: both it and Vert.x are on the classpath, and fabric8 warns when
    // it has to pick one at random.
    return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  static CliException unreachable(KubernetesClientException e) {
    return CliException.failure("cannot reach the cluster: " + ClusterMeshInstalls.transportCause(e), CONTEXT_HINT, e);
  }

  /**
   * @param what what was being read, e.g. "MeshInstall default" or "pods"
   * @param access the verb and resource for kubectl auth can-i, e.g. "get meshinstalls"
   */
  static CliException readFailure(String what, String access, String server, KubernetesClientException e) {
    if (e.getCode() <= 0) {
      // No HTTP answer at all: the cause (connection refused, unknown host, TLS) is the news.
      return CliException.failure("cannot reach the cluster at " + server + ": " + ClusterMeshInstalls.transportCause(e),
          CONTEXT_HINT, e);
    }
    if (e.getCode() == 404 && access.endsWith(" meshinstalls")) {
      return CliException.failure("cannot read " + what + " from " + server + ": the meshinstalls resource does not exist",
          "install the operator (its CRD) first", e);
    }
    String status = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    return CliException.failure("cannot read " + what + " from " + server + " (HTTP " + e.getCode() + "): " + ErrorReporter.oneLine(status),
        e.getCode() == 401 || e.getCode() == 403
            ? "your credentials may not " + access + "; try: kubectl auth can-i " + access
            : "check the current context (kubectl config current-context)", e);
  }
}
