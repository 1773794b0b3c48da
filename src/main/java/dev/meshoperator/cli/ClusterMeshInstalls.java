package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;

/** Reads a MeshInstall, and whether native sidecars are available, from the current kubeconfig's cluster. */
final class ClusterMeshInstalls {
  /** Native sidecars (SidecarContainers) are on by default from Kubernetes 1.29. */
  static final int NATIVE_SIDECARS_MINOR = 29;

  record Fetched(MeshInstall install, boolean nativeSidecars, String server) {}

  private ClusterMeshInstalls() {}

  static Fetched fetch(String name, Meshctl.KubeOptions kube) {
    try (ClusterConnection cluster = ClusterConnection.open(kube)) {
      KubernetesClient client = cluster.client();
      String server = cluster.server();
      MeshInstall install;
      try {
        install = client.resources(MeshInstall.class).withName(name).get();
      } catch (KubernetesClientException e) {
        throw ClusterConnection.readFailure("MeshInstall " + name, "get meshinstalls", server, e);
      }
      if (install == null) {
        throw CliException.failure("MeshInstall " + name + " not found in " + server,
            "list them with: kubectl get meshinstalls");
      }
      return new Fetched(install, supportsNativeSidecars(
          cluster.call("read the server version from " + server, client::getKubernetesVersion)), server);
    }
  }

  /**
   * The cause worth printing below fabric8's wrappers: the first one with a message, else the first
   * specific one (the JDK client throws a bare IOException around a bare ConnectException).
   */
  static String transportCause(Throwable e) {
    Throwable chosen = null;
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof KubernetesClientException) {
        continue;
      }
      if (t.getMessage() != null) {
        chosen = t;
        break;
      }
      if (chosen == null && t.getClass() != java.io.IOException.class) {
        chosen = t;
      }
    }
    if (chosen == null) {
      return ErrorReporter.describe(e);
    }
    if (chosen instanceof java.net.ConnectException && chosen.getMessage() == null) {
      return "connection refused";
    }
    return ErrorReporter.oneLine(chosen.getClass().getSimpleName() + (chosen.getMessage() == null ? "" : ": " + chosen.getMessage()));
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
  static int leadingInt(String text) {
    String digits = text == null ? "" : text.replaceAll("^(\\d*).*$", "$1");
    return digits.isEmpty() ? 0 : Integer.parseInt(digits);
  }
}
