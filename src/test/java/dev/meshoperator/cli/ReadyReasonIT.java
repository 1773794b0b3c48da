package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * "Ready or exactly why not": istiod that no node can run leaves the MeshInstall Ready=False, and
 * the condition quotes the scheduler's reason from the pod, not only "0/1 ready". The operator runs
 * as deploy/'s ServiceAccount; the pod's reason comes from the real kube-scheduler. Once the spec
 * lets istiod run, Ready=True again; an edit whose new pod cannot run is not Ready either, though
 * the old pod still serves.
 */
@KubeTest
class ReadyReasonIT {

  @Test
  void aControlPlaneThatCannotRunSaysWhyAndRecovers(TestCluster cluster, KubernetesClient client) {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + suffix;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    String name = "why-" + suffix;
    var installs = client.resources(MeshInstall.class);
    try (var asServiceAccount = OperatorIdentity.fromDeploy(client).client("mesh-operator-e2e");
        var operator = OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook, Optional.empty(),
            "mesh-operator-e2e/" + suffix, FailurePolicy.Fail))) {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: why%s
            namespace: why-%s
            components: {pilot: {nodeSelector: {example.com/no-such-node: "true"}}}
          """.formatted(name, suffix, suffix), MeshInstall.class)).create();

      long started = System.nanoTime();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        Condition ready = ready(installs.withName(name).get());
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getMessage()).contains("Deployment why-" + suffix + "/istiod-why" + suffix + " (0/1 ready: pod istiod-why"
            + suffix, "cannot be scheduled: ", "node affinity/selector");
      });
      System.out.printf("[ready-reason] %s after %d ms%n", ready(installs.withName(name).get()).getMessage(),
          (System.nanoTime() - started) / 1_000_000);

      installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"components\":null}}");
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(ready(current).getStatus()).isEqualTo("True");
      });
      // An edit whose new pod cannot run: the old istiod still serves, but the edit is not live, so
      // not Ready (as kubectl rollout status would still wait), and the reason says so.
      installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"spec\":{\"components\":{\"pilot\":{\"nodeSelector\":{\"example.com/no-such-node\":\"true\"}}}}}");
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        Condition ready = ready(installs.withName(name).get());
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getMessage()).contains("(1/1 ready, rolling out: 1 of 2 pods updated: pod istiod-why" + suffix,
            "cannot be scheduled: ");
      });
      installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"components\":null}}");
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(ready(installs.withName(name).get()).getStatus())
          .isEqualTo("True"));
      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
    } finally {
      client.namespaces().withName(operatorNs).delete();
    }
  }

  private static Condition ready(MeshInstall install) {
    assertThat(install.getStatus()).isNotNull();
    return install.getStatus().getConditions().stream().filter(c -> MeshInstallStatus.READY.equals(c.getType()))
        .findFirst().orElseThrow();
  }
}
