package dev.meshoperator.localcluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where hack/kube-testenv.sh put the local cluster's binaries, in kube-api-test's layout
 * ({@code $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/}, default {@code ~/.kubeapitest}).
 */
public record KubeBinaries(Path kubeApiTestDir, String kubeVersion, Path binDir) {
  static final List<String> ROLES = List.of("kube-apiserver", "etcd", "kubectl", "kube-controller-manager",
      "kube-scheduler", "kwok");
  static final String KWOK_STAGES = "kwok-stages.yaml";

  /** The layout for {@code version} under $KUBE_API_TEST_DIR or ~/.kubeapitest. */
  public static KubeBinaries fromEnvironment(String version) {
    String dir = System.getenv("KUBE_API_TEST_DIR");
    Path root = dir != null && !dir.isBlank() ? Path.of(dir)
        : Path.of(System.getProperty("user.home"), ".kubeapitest");
    String arch = switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
      case "aarch64" -> "arm64";
      case "ppc64" -> "ppc64le";
      default -> "amd64";
    };
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    return new KubeBinaries(root, version, root.resolve("k8s").resolve(version + "-" + os + "-" + arch));
  }

  /**
   * The Kubernetes version hack/kube-testenv/go.mod pins, as the jar carries it (a unit test keeps
   * the two equal), so that meshctl demo finds the binaries without the repository.
   */
  public static String pinnedVersion() {
    try (InputStream in = KubeBinaries.class.getClassLoader().getResourceAsStream("meshctl/kube-testenv.version")) {
      if (in == null) {
        throw new IllegalStateException("meshctl/kube-testenv.version is missing from meshctl's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path binary(String role) {
    return binDir.resolve(role);
  }

  /** What is missing, or an empty list when the cluster can start. */
  public List<Path> missing() {
    List<Path> missing = new java.util.ArrayList<>(ROLES.stream().map(this::binary).filter(p -> !Files.isExecutable(p)).toList());
    if (!Files.isRegularFile(binDir.resolve(KWOK_STAGES))) {
      missing.add(binDir.resolve(KWOK_STAGES));
    }
    return missing;
  }

  public void requireBinaries() {
    List<Path> missing = missing();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("The local cluster binary " + missing.get(0) + " is missing. Run"
          + " hack/kube-testenv.sh first (it builds Kubernetes " + kubeVersion
          + " from Go modules; the first build takes about 6 minutes on 2 cores).");
    }
  }
}
