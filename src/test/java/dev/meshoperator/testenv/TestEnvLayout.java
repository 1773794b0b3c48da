package dev.meshoperator.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where hack/kube-testenv.sh put the binaries, in kube-api-test's layout
 * ({@code $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/}). The pinned version is read from
 * hack/kube-testenv/go.mod so that it is written down in one place only.
 */
public record TestEnvLayout(Path kubeApiTestDir, String kubeVersion, Path binDir) {

  public static TestEnvLayout fromEnvironment(Path projectDir) {
    String dir = System.getenv("KUBE_API_TEST_DIR");
    Path root = dir != null && !dir.isBlank() ? Path.of(dir)
        : Path.of(System.getProperty("user.home"), ".kubeapitest");
    String version = pinnedKubernetesVersion(projectDir.resolve("hack/kube-testenv/go.mod"));
    String arch = switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
      case "aarch64" -> "arm64";
      case "ppc64" -> "ppc64le";
      default -> "amd64";
    };
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    return new TestEnvLayout(root, version, root.resolve("k8s").resolve(version + "-" + os + "-" + arch));
  }

  static String pinnedKubernetesVersion(Path goMod) {
    try {
      return Files.readAllLines(goMod).stream()
          .map(String::trim)
          .filter(l -> l.startsWith("k8s.io/kubernetes "))
          .map(l -> l.split("\\s+")[1].replaceFirst("^v", ""))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no k8s.io/kubernetes requirement in " + goMod));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the pinned Kubernetes version from " + goMod, e);
    }
  }

  public Path binary(String role) {
    return binDir.resolve(role);
  }

  void requireBinaries() {
    for (String role : List.of("kube-apiserver", "etcd", "kubectl", "kube-controller-manager",
        "kube-scheduler", "kwok")) {
      if (!Files.isExecutable(binary(role))) {
        throw new IllegalStateException("The test cluster binary " + binary(role) + " is missing. Run"
            + " hack/kube-testenv.sh first (it builds Kubernetes " + kubeVersion
            + " from Go modules; the first build takes about 6 minutes on 2 cores).");
      }
    }
    if (!Files.isRegularFile(binDir.resolve("kwok-stages.yaml"))) {
      throw new IllegalStateException(binDir.resolve("kwok-stages.yaml") + " is missing; run hack/kube-testenv.sh");
    }
  }
}
