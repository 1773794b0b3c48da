package dev.meshoperator.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Failsafe's k3s execution runs only classes tagged {@value KubeTest#TAG}, which {@link KubeTest}
 * carries. An end-to-end test class without it runs against the local cluster only; so each *IT
 * either is a {@code @KubeTest} or is named here with the reason it needs no shared cluster.
 */
class KubeTestTagTest {
  static final Map<String, String> WITHOUT_THE_SHARED_CLUSTER = Map.of(
      "dev.meshoperator.bench.BenchHarnessIT", "the bench scripts start what they need",
      "dev.meshoperator.cli.MeshctlJarIT", "meshctl's jar and launcher, no cluster",
      "dev.meshoperator.cli.DemoCommandIT", "`meshctl demo` starts its own local cluster",
      "dev.meshoperator.wiring.LogConfiguratorJarIT", "the packaged jars' logging, no cluster");

  /** A class the k3s execution would leave out without saying so: the positive control. */
  static class UntaggedForControl {}

  static boolean runsInTheK3sPass(Class<?> type) {
    Tag tag = type.getAnnotation(KubeTest.class) == null ? null : KubeTest.class.getAnnotation(Tag.class);
    return tag != null && tag.value().equals(KubeTest.TAG);
  }

  @Test
  void everyEndToEndTestClassIsTaggedForTheK3sPassOrSaysWhyNot() throws Exception {
    assertThat(runsInTheK3sPass(UntaggedForControl.class)).isFalse();
    assertThat(runsInTheK3sPass(KubeTestExtensionUser.class)).isTrue();

    List<String> its = TestClasses.names().stream().filter(n -> n.endsWith("IT")).toList();
    assertThat(its).as("the scan finds the end-to-end tests").hasSizeGreaterThan(40)
        .containsAll(WITHOUT_THE_SHARED_CLUSTER.keySet());
    ClassLoader loader = KubeTestTagTest.class.getClassLoader();
    for (String name : its) {
      Class<?> type = Class.forName(name, false, loader);
      if (WITHOUT_THE_SHARED_CLUSTER.containsKey(name)) {
        assertThat(runsInTheK3sPass(type)).as("%s is listed as needing no shared cluster", name).isFalse();
      } else {
        assertThat(runsInTheK3sPass(type)).as("%s: mark it @KubeTest, or list it here with why it needs no cluster", name)
            .isTrue();
      }
    }
  }

  @KubeTest
  static class KubeTestExtensionUser {}
}
