package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.operator.OperatorMain;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which way the compiled main classes refer to each other (DESIGN.md: cli -> operator,
 * localcluster -> webhook, ...): the operator's code must not need meshctl's commands, the local
 * cluster or kube-api-test, because target/mesh-operator.jar (the image's jar) leaves them out.
 */
class LayeringTest {
  private static final String ROOT = "dev/meshoperator";
  private static final String KUBE_API_TEST = "io/fabric8/kubeapitest";
  private static final String CLI = ROOT + "/cli";
  private static final String LOCAL_CLUSTER = ROOT + "/localcluster";
  private static final String OPERATOR = ROOT + "/operator";

  /** For each of our packages, the packages its classes refer to. */
  private static Map<String, Set<String>> references() {
    Path classes;
    try {
      classes = Path.of(OperatorMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    assertThat(classes.resolve(ROOT)).as("main classes are a directory here (%s)", classes).isDirectory();
    Map<String, Set<String>> refs = new TreeMap<>();
    try (Stream<Path> files = Files.walk(classes.resolve(ROOT))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String pkg = classes.relativize(file.getParent()).toString().replace('\\', '/');
        try (InputStream in = Files.newInputStream(file)) {
          refs.computeIfAbsent(pkg, k -> new TreeSet<>()).addAll(ClassReferences.packages(in));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return refs;
  }

  @Test
  void onlyTheLocalClusterUsesKubeApiTestAndOnlyMeshctlUsesTheLocalCluster() {
    Map<String, Set<String>> refs = references();
    // Positive control: the reader sees the references that are supposed to be there.
    assertThat(refs.get(LOCAL_CLUSTER)).contains(KUBE_API_TEST);
    assertThat(refs.get(CLI)).contains(LOCAL_CLUSTER, OPERATOR);

    refs.forEach((pkg, used) -> {
      if (!pkg.equals(LOCAL_CLUSTER)) {
        assertThat(used).as("%s refers to kube-api-test", pkg).noneMatch(p -> p.startsWith(KUBE_API_TEST));
      }
      if (!pkg.equals(CLI) && !pkg.equals(LOCAL_CLUSTER)) {
        assertThat(used).as("%s refers to the local cluster or to meshctl's commands", pkg)
            .doesNotContain(LOCAL_CLUSTER, CLI);
      }
    });
  }

  @Test
  void theOperatorAndTheLocalClusterImportNothingAboveThem() {
    Map<String, Set<String>> refs = references();
    assertThat(refs.get(OPERATOR)).as("operator").doesNotContain(CLI, LOCAL_CLUSTER);
    assertThat(refs.get(LOCAL_CLUSTER)).as("localcluster").doesNotContain(CLI, OPERATOR);
    // Nothing below the composition root reaches up into it.
    for (String lower : List.of("api", "profile", "render", "inject", "reconcile", "webhook", "wiring")) {
      assertThat(refs.getOrDefault(ROOT + "/" + lower, Set.of())).as(lower).doesNotContain(OPERATOR, CLI, LOCAL_CLUSTER);
    }
  }
}
