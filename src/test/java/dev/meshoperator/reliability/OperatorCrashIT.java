package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator killed with SIGKILL in the middle of an install (a separate {@code meshctl operator}
 * JVM, as deploy/'s ServiceAccount), then started again: it converges to exactly the objects the
 * renderer gives, none missing, none extra, no Deployment rolled twice; and uninstalling afterwards
 * leaves nothing (no orphan of the interrupted run).
 */
@KubeTest
class OperatorCrashIT {

  @Test
  void killedMidInstallTheRestartedOperatorConvergesToTheSameObjectsWithoutOrphans(TestCluster cluster,
      KubernetesClient client) {
    OperatorHarness.installCrd(client);
    String suffix = Faults.suffix();
    String operatorNs = Faults.createNamespace(client, "mesh-operator-crash-" + suffix);
    String name = "crash-" + suffix;
    String controlPlane = "crash-" + suffix + "-system";
    Path kubeconfig = Faults.serviceAccountKubeconfig(client);
    List<String> args = List.of("--default-failure-policy=Ignore");
    OperatorJvm first = Faults.operator(cluster, kubeconfig, "crash-a-" + suffix, operatorNs, args);
    OperatorJvm second = null;
    try {
      // The default profile: istiod and the ingress gateway, the most objects of any profile.
      client.resources(MeshInstall.class).resource(Faults.meshInstall("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: default, revision: crash%s, namespace: %s}
          """.formatted(name, suffix, controlPlane))).create();
      int expected = Faults.expected(client, name).size();
      // Kill as soon as the install has begun: the first labelled objects are there, not all.
      int seen = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < deadline) {
        assertThat(first.isAlive()).as(first + " is running").isTrue();
        seen = Faults.labelledCounts(client, name).size();
        if (seen > 0) {
          break;
        }
        Faults.sleep(20);
      }
      first.kill();
      assertThat(first.isAlive()).isFalse();
      int[] atKill = Faults.compare("crash: at SIGKILL", client, name);
      MeshInstall killed = client.resources(MeshInstall.class).withName(name).get();
      System.out.printf("[crash] SIGKILL after %d of %d objects (state then: %s)%n", atKill[0], expected,
          killed.getStatus() == null ? "no status" : killed.getStatus().getState());
      assertThat(atKill[0]).as("the kill fell in the middle of the install").isGreaterThan(0).isLessThan(expected);

      second = Faults.operator(cluster, kubeconfig, "crash-b-" + suffix, operatorNs, args);
      double seconds = Faults.awaitReady(client, name, Duration.ofSeconds(180), second);
      System.out.printf("[crash] the restarted operator made the install Ready in %.1f s%n", seconds);
      int[] after = Faults.compare("crash: after restart", client, name);
      assertThat(after[2]).as("orphans").isZero();
      assertThat(after[3]).as("missing").isZero();
      assertThat(after[4]).as("duplicates").isZero();
      assertThat(after[0]).isEqualTo(expected);
      Map<String, Integer> replicaSets = Faults.replicaSetsPerDeployment(client, controlPlane);
      System.out.printf("[crash] ReplicaSets per Deployment in %s: %s%n", controlPlane, replicaSets);
      assertThat(replicaSets).as("one ReplicaSet per Deployment: no rollout from a second, different apply")
          .isNotEmpty().allSatisfy((deployment, count) -> assertThat(count).as(deployment).isEqualTo(1));
      assertThat(client.resources(MeshInstall.class).withName(name).get().getStatus().getState())
          .isEqualTo(MeshState.Ready);

      long t0 = System.nanoTime();
      Faults.uninstall(client, name, Duration.ofSeconds(120));
      System.out.printf("[crash] uninstall after the crash left 0 objects labelled with the install (%.1f s)%n",
          (System.nanoTime() - t0) / 1e9);
    } finally {
      first.kill();
      if (second != null) {
        Faults.forget(client, name);
        second.close();
      } else {
        Faults.forget(client, name);
      }
      client.namespaces().withName(operatorNs).delete();
      client.namespaces().withName(controlPlane).delete();
    }
  }
}
