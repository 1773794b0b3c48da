package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The applier's steps against the real API server, seen in its audit log (when each apply was
 * received and when its response completed): objects of one step are applied at once, and no
 * object's apply starts before the applies it must follow have returned.
 */
@KubeTest
class ConcurrentApplyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** resource -> resources whose applies must all have returned before its apply is received. */
  private static final Map<String, Set<String>> AFTER = Map.of(
      "clusterrolebindings", Set.of("clusterroles"),
      "rolebindings", Set.of("roles"),
      "deployments", Set.of("serviceaccounts", "clusterroles", "clusterrolebindings", "roles", "rolebindings", "configmaps", "services"),
      "validatingwebhookconfigurations", Set.of("customresourcedefinitions", "serviceaccounts", "clusterroles",
          "clusterrolebindings", "roles", "rolebindings", "configmaps", "services", "deployments"));

  record Apply(String resource, String name, Instant received, Instant completed) {}

  @Test
  void demoInstallAppliesEachStepAtOnceAndStepsInOrder(TestCluster cluster, KubernetesClient client, TestNamespace ns) {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    Path auditLog = ((LocalTestCluster) cluster).auditLog();
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEMO);
    String name = install.getMetadata().getName();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        assertThat(InstalledObjects.labelledWith(client, name))
            .containsExactlyElementsOf(InstalledObjects.expected(install, List.of(), true));

        List<Apply> applies = applies(auditLog, operator.userAgent());
        int rounds = sequentialRounds(applies);
        int inFlight = maxInFlight(applies);
        System.out.printf("[concurrent apply] demo: %d applies, %d sequential rounds, at most %d in flight%n",
            applies.size(), rounds, inFlight);
        assertThat(applies.stream().map(Apply::resource)).as("positive control: the filter sees the install's applies")
            .contains("serviceaccounts", "clusterroles", "clusterrolebindings", "roles", "rolebindings", "configmaps",
                "services", "deployments", "validatingwebhookconfigurations");
        assertThat(inFlight).as("applies in the API server at one moment").isGreaterThan(1);
        assertThat(rounds).as("request round trips one after another").isLessThan(applies.size() / 2);

        int pairs = 0;
        for (Apply later : applies) {
          for (Apply earlier : applies) {
            if (AFTER.getOrDefault(later.resource(), Set.of()).contains(earlier.resource())) {
              pairs++;
              assertThat(later.received()).as("apply of %s %s received after the apply of %s %s returned",
                  later.resource(), later.name(), earlier.resource(), earlier.name()).isAfterOrEqualTo(earlier.completed());
            }
          }
        }
        assertThat(pairs).as("ordered pairs checked").isGreaterThan(50);
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  @Test
  void whenSeveralAppliesOfOneStepFailTheFirstInRenderOrderIsReported(KubernetesClient client, TestNamespace ns) {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    String missing = ns.name() + "-missing";
    // Three ConfigMaps in the first step with the built-in objects: the 2nd and 3rd go to a namespace
    // that does not exist, so both fail while everything else of the step succeeds.
    ComponentRenderer extra = config -> List.of(
        new ConfigMapBuilder().withNewMetadata().withName("extra-ok").withNamespace(config.namespace())
            .withLabels(Labels.of(config, "extra")).endMetadata().build(),
        new ConfigMapBuilder().withNewMetadata().withName("extra-first").withNamespace(missing + "-a")
            .withLabels(Labels.of(config, "extra")).endMetadata().build(),
        new ConfigMapBuilder().withNewMetadata().withName("extra-second").withNamespace(missing + "-b")
            .withLabels(Labels.of(config, "extra")).endMetadata().build());
    try (OperatorHarness operator = OperatorHarness.start(client, List.of(extra))) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstall failed = MeshInstallTestSupport.awaitState(client, name, MeshState.Error);
        assertThat(MeshInstallTestSupport.condition(failed, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
          assertThat(c.getReason()).isEqualTo("ApplyFailed");
          assertThat(c.getMessage()).startsWith("apply ConfigMap/" + missing + "-a/extra-first: ").contains("not found");
        });
        // The step ran to its end (its other objects applied), the next step never started.
        assertThat(client.configMaps().inNamespace(install.getSpec().getNamespace()).withName("extra-ok").get()).isNotNull();
        assertThat(client.apps().deployments().inNamespace(install.getSpec().getNamespace()).list().getItems()).isEmpty();
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
        client.namespaces().withName(install.getSpec().getNamespace()).delete();
      }
    }
  }

  /** The operator's server-side applies (patches other than of MeshInstalls), from the audit log. */
  static List<Apply> applies(Path auditLog, String userAgent) {
    List<Apply> result = new ArrayList<>();
    try (var lines = Files.lines(auditLog)) {
      lines.forEach(line -> {
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException ex) {
          return; // a line being written
        }
        if (userAgent.equals(e.path("userAgent").asText()) && "ResponseComplete".equals(e.path("stage").asText())
            && "patch".equals(e.path("verb").asText()) && !"meshinstalls".equals(e.path("objectRef").path("resource").asText())) {
          result.add(new Apply(e.path("objectRef").path("resource").asText(), e.path("objectRef").path("name").asText(),
              Instant.parse(e.path("requestReceivedTimestamp").asText()), Instant.parse(e.path("stageTimestamp").asText())));
        }
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return result;
  }

  /** The longest chain of applies each received after the previous one completed. */
  static int sequentialRounds(List<Apply> applies) {
    List<Apply> byEnd = applies.stream().sorted(Comparator.comparing(Apply::completed)).toList();
    int rounds = 0;
    Instant end = Instant.MIN;
    for (Apply a : byEnd) {
      if (!a.received().isBefore(end)) {
        rounds++;
        end = a.completed();
      }
    }
    return rounds;
  }

  static int maxInFlight(List<Apply> applies) {
    int max = 0;
    for (Apply a : applies) {
      int overlapping = (int) applies.stream()
          .filter(b -> !b.received().isAfter(a.received()) && b.completed().isAfter(a.received())).count();
      max = Math.max(max, overlapping);
    }
    return max;
  }
}
