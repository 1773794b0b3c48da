package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replica stopped as Kubernetes stops it (SIGTERM: a rolling update, a drain) gives up the
 * leader election Lease, so the other replica leads at its next try instead of after the Lease
 * runs out. Two {@code meshctl operator} JVMs as deploy/'s ServiceAccount; every write to the Lease
 * is watched, so the release is seen as the write it is (the Lease cut to 1 s from now: fabric8's
 * release leaves the holder's name in it), not inferred from timing. LeaderFailoverIT covers SIGKILL, where nothing can be released.
 */
@KubeTest
class LeaseReleaseIT {

  /** One observed state of the Lease: who held it, for how long. */
  record Seen(String holder, Integer durationSeconds) {}

  @Test
  void aStoppedLeaderReleasesTheLeaseAndTheOtherReplicaTakesIt(TestCluster cluster, KubernetesClient client)
      throws Exception {
    OperatorHarness.installCrd(client);
    String operatorNs = Faults.createNamespace(client, "mesh-operator-release-" + Faults.suffix());
    Path kubeconfig = Faults.serviceAccountKubeconfig(client);
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    List<OperatorJvm> replicas = new ArrayList<>();
    Watch watch = null;
    try {
      OperatorJvm first = start(cluster, kubeconfig, "release-a", operatorNs);
      replicas.add(first);
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(first.isAlive()).as(first + " is running").isTrue();
        assertThat(holder(client, operatorNs)).isEqualTo(first.name());
      });
      OperatorJvm second = start(cluster, kubeconfig, "release-b", operatorNs);
      replicas.add(second);
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(second.isAlive()).as(second + " is running").isTrue();
        assertThat(second.logText()).contains("mesh-operator started");
      });
      assertThat(holder(client, operatorNs)).as("the first keeps leading while it runs").isEqualTo(first.name());

      watch = client.leases().inNamespace(operatorNs).withName(OperatorProcess.LEASE_NAME).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Lease lease) {
          seen.add(new Seen(lease.getSpec().getHolderIdentity(), lease.getSpec().getLeaseDurationSeconds()));
        }

        @Override
        public void onClose(WatcherException cause) {
        }
      });
      first.close(); // SIGTERM, as the kubelet stops a container
      assertThat(first.isAlive()).isFalse();
      assertThat(first.logText()).contains("released the leader election Lease " + operatorNs + "/"
          + OperatorProcess.LEASE_NAME);

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(holder(client, operatorNs)).isEqualTo(second.name()));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(seen).contains(new Seen(second.name(), 15)));
      List<Seen> writes = List.copyOf(seen);
      // The write that gave it up (its own name, 1 s), then the other replica's acquisition.
      int released = writes.indexOf(new Seen(first.name(), 1));
      assertThat(released).as("a release among the Lease's writes %s", writes).isNotNegative();
      assertThat(writes.indexOf(new Seen(second.name(), 15))).as("acquired after the release: %s", writes)
          .isGreaterThan(released);
      assertThat(writes.subList(released + 1, writes.size())).as("nothing but the new holder after it: %s", writes)
          .allSatisfy(s -> assertThat(s.holder()).isEqualTo(second.name()));
      assertThat(second.isAlive()).isTrue();
      assertThat(second.logText()).doesNotContain("lost the leader election Lease");
    } finally {
      if (watch != null) {
        watch.close();
      }
      replicas.forEach(OperatorJvm::close);
      client.namespaces().withName(operatorNs).delete();
    }
  }

  private static OperatorJvm start(TestCluster cluster, Path kubeconfig, String name, String namespace) {
    return OperatorJvm.start(cluster, kubeconfig, name, namespace, List.of("--leader-election",
        "--webhook-port=" + Ports.free(), "--webhook-url-host=127.0.0.1", "--health-port=" + Ports.free()));
  }

  private static String holder(KubernetesClient client, String namespace) {
    Lease lease = client.leases().inNamespace(namespace).withName(OperatorProcess.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
