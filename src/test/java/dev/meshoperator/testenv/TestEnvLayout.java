package dev.meshoperator.testenv;

import dev.meshoperator.localcluster.KubeBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The binaries hack/kube-testenv.sh built, for the version pinned in hack/kube-testenv/go.mod (read
 * from there, so that the tests use what the script just built even before the jar's copy of the
 * version is updated).
 */
public record TestEnvLayout(KubeBinaries binaries) {

  public static TestEnvLayout fromEnvironment(Path projectDir) {
    return new TestEnvLayout(KubeBinaries.fromEnvironment(
        pinnedKubernetesVersion(projectDir.resolve("hack/kube-testenv/go.mod"))));
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
}
