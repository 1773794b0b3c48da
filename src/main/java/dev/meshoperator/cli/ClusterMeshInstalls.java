package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;

/** Reads a MeshInstall, and whether native sidecars are available, from the current kubeconfig's cluster. */
final class ClusterMeshInstalls {
  /** Native sidecars (SidecarContainers) are on by default from Kubernetes 1.29. */
  static final int NATIVE_SIDECARS_MINOR = 29;

  record Fetched(MeshInstall install, boolean nativeSidecars, String server) {}

  private ClusterMeshInstalls() {}

  static Fetched fetch(String name) {
    // A CLI should answer within seconds; fabric8's default retries a refused connection for ~20 s.
    Config config = new ConfigBuilder(Config.autoConfigure(null))
        .withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000)
        .build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      String server = String.valueOf(client.getMasterUrl());
      MeshInstall install;
      try {
        install = client.resources(MeshInstall.class).withName(name).get();
      } catch (KubernetesClientException e) {
        throw CliException.failure("cannot read MeshInstall " + name + " from " + server + ": " + ErrorReporter.oneLine(e.getMessage()),
            e.getCode() == 404
                ? "the MeshInstall CRD is not installed there; install the operator first"
                : "check the current context (kubectl config current-context) and that you may get meshinstalls",
            e);
      }
      if (install == null) {
        throw CliException.failure("MeshInstall " + name + " not found in " + server,
            "list them with: kubectl get meshinstalls");
      }
      return new Fetched(install, supportsNativeSidecars(client.getKubernetesVersion()), server);
    } catch (KubernetesClientException e) {
      throw CliException.failure("cannot reach the cluster: " + ErrorReporter.oneLine(e.getMessage()),
          "check KUBECONFIG and the current context (kubectl config current-context)", e);
    }
  }

  static boolean supportsNativeSidecars(VersionInfo version) {
    if (version == null) {
      return false;
    }
    int major = leadingInt(version.getMajor());
    int minor = leadingInt(version.getMinor());
    return major > 1 || (major == 1 && minor >= NATIVE_SIDECARS_MINOR);
  }

  // Managed clusters report minors such as "29+".
  private static int leadingInt(String text) {
    String digits = text == null ? "" : text.replaceAll("^(\\d*).*$", "$1");
    return digits.isEmpty() ? 0 : Integer.parseInt(digits);
  }
}
