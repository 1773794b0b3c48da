package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * kube-apiserver restarted (etcd kept, same port and certificates) once in the middle of an install
 * and once at steady state, with {@code meshctl operator} running as deploy/'s ServiceAccount under
 * leader election as deploy/ runs it, under a supervisor that starts it again when it exits as the
 * kubelet does (it exits by design when an outage longer than the Lease's renew deadline ends in a
 * refused renewal; each restart is counted and printed per phase): it reconnects and converges to
 * exactly the rendered objects (none duplicated), and its watches resume: a hand edit made after the
 * restart is reverted although the periodic resync is an hour away.
 */
@KubeTest
class ApiServerRestartIT {
  /**
   * How long the API server stays stopped before it is started again (2 s, plus its own start).
   * {@code -Dapiserver.restart.downtime=PT12S} outlasts the operator's Lease renew deadline (10 s):
   * the operator loses the Lease and exits, the supervisor's restart path runs.
   */
  private static final Duration DOWNTIME = Duration.parse(System.getProperty("apiserver.restart.downtime", "PT2S"));

  /** More exits than this is a crash loop, not the designed exit on a lost Lease: the test fails. */
  private static final int MAX_RESTARTS = 4;

  private static String exits(SupervisedOperator operator, int from) {
    var exits = operator.exits();
    StringBuilder text = new StringBuilder();
    for (int i = from; i < exits.size(); i++) {
      text.append(String.format(" (exit code %d: %s)", exits.get(i).exitCode(), exits.get(i).reason()));
    }
    return text.toString();
  }

  @Test
  void operatorReconnectsConvergesWithoutDuplicatesAndItsWatchesResume(TestCluster cluster, KubernetesClient client) throws Exception {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster,
        "restarting the API server needs the local test cluster's processes, not " + cluster);
    LocalTestCluster local = (LocalTestCluster) cluster;
    OperatorHarness.installCrd(client);
    String suffix = Faults.suffix();
    String operatorNs = Faults.createNamespace(client, "mesh-operator-restart-" + suffix);
    String name = "restart-" + suffix;
    String revision = "restart" + suffix;
    String controlPlane = "restart-" + suffix + "-system";
    Path kubeconfig = Faults.serviceAccountKubeconfig(client);
    // An hour between resyncs: what brings a change in within the test is a watch event. Started
    // again whenever it exits, as the kubelet does for deploy/'s Deployment: losing the Lease when a
    // long outage ends in a refused renewal makes it exit by design.
    SupervisedOperator operator = Faults.supervisedOperator(cluster, kubeconfig, "restart-" + suffix, operatorNs,
        List.of("--default-failure-policy=Ignore", "--leader-election", "--resync-interval=1h"), MAX_RESTARTS);
    AutoCloseable cordon = () -> { };
    try {
      // Nodes cordoned until the restart: the install's pods stay Pending, so it is still unfinished
      // when the API server goes down (on kwok nodes it used to be Ready within the loop below).
      cordon = Faults.cordonNodes(client);
      await().atMost(Duration.ofSeconds(60)).until(() -> operator.current().logText().contains("mesh-operator started"));
      client.resources(MeshInstall.class).resource(Faults.meshInstall("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: default, revision: %s, namespace: %s}
          """.formatted(name, revision, controlPlane))).create();
      int expected = Faults.expected(client, name).size();
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      int seen = 0;
      while (seen == 0 && System.nanoTime() < deadline) {
        operator.requireRunning();
        seen = Faults.labelledCounts(client, name).size();
        Faults.sleep(20);
      }
      // Mid-install: objects are being applied and the install has not reached Ready.
      MeshInstall atRestart = client.resources(MeshInstall.class).withName(name).get();
      String stateAtRestart = atRestart.getStatus() == null ? "no status yet" : String.valueOf(atRestart.getStatus().getState());
      int restartsBefore = operator.restarts();
      long downMs = local.restartApiServer(DOWNTIME);
      System.out.printf("[restart] mid-install: kube-apiserver killed with %d of %d objects seen and the install's state '%s'; unavailable for %.1f s%n",
          seen, expected, stateAtRestart, downMs / 1000.0);
      assertThat(seen).as("the install had begun").isPositive();
      assertThat(stateAtRestart).as("the install was not finished").isNotEqualTo("Ready");
      cordon.close();

      double converge = Faults.awaitReady(client, name, Duration.ofSeconds(180), operator);
      int[] after = Faults.compare("restart: mid-install, converged", client, name);
      // Exits from the start of the restart: the Lease may be lost while the server is still down.
      int restartsMidInstall = operator.restarts() - restartsBefore;
      System.out.printf("[restart] mid-install: Ready %.1f s after the API server was back; operator restarts in this phase: %d%s%n",
          converge, restartsMidInstall, exits(operator, restartsBefore));
      assertThat(after[0]).as("objects present").isEqualTo(expected);
      assertThat(after[2]).as("orphans").isZero();
      assertThat(after[3]).as("missing").isZero();
      assertThat(after[4]).as("duplicates").isZero();
      assertThat(Faults.replicaSetsPerDeployment(client, controlPlane))
          .isNotEmpty().allSatisfy((deployment, count) -> assertThat(count).as(deployment).isEqualTo(1));

      // Steady state: restart again, then edit by hand a field the operator owns.
      restartsMidInstall = operator.restarts() - restartsBefore;
      int restartsAtSteadyRestart = operator.restarts();
      downMs = local.restartApiServer(DOWNTIME);
      var istiod = client.apps().deployments().inNamespace(controlPlane).withName("istiod-" + revision);
      String image = istiod.get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      var edited = MergeEdits.edit(istiod, d -> {
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("example.com/tampered:1");
        return d;
      });
      assertThat(edited.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .as("positive control: the hand edit was stored").isEqualTo("example.com/tampered:1");
      long t0 = System.nanoTime();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        operator.requireRunning();
        assertThat(istiod.get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);
      });
      System.out.printf("[restart] steady state: kube-apiserver unavailable for %.1f s; a hand edit made after it came back was reverted in %.1f s (%s)%n",
          downMs / 1000.0, (System.nanoTime() - t0) / 1e9, operator.restarts() == restartsAtSteadyRestart
              ? "by the running operator: its watches resumed"
              : "the operator was restarted since the API server went down: a new process reverted it, not a resumed watch");
      Faults.awaitReady(client, name, Duration.ofSeconds(120), operator);
      int[] steady = Faults.compare("restart: steady state, converged", client, name);
      int restartsSteady = operator.restarts() - restartsBefore - restartsMidInstall;
      System.out.printf("[restart] steady state: operator restarts in this phase: %d%s; in all: %d%n",
          restartsSteady, exits(operator, restartsBefore + restartsMidInstall), operator.restarts());
      assertThat(steady[0]).as("objects present").isEqualTo(expected);
      assertThat(steady[2] + steady[3] + steady[4]).as("orphans + missing + duplicates").isZero();
      operator.requireRunning();

      Faults.uninstall(client, name, Duration.ofSeconds(120));
      System.out.println("[restart] uninstall left 0 objects labelled with the install");
    } finally {
      cordon.close();
      Faults.forget(client, name);
      operator.close();
      System.out.printf("[restart] operator restarts by the supervisor during the test: %d%n", operator.restarts());
      Faults.deleteNamespaces(client, operatorNs, controlPlane);
    }
  }
}
