package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.MeshConfigSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TcpBalancer;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two {@code meshctl operator} JVMs under leader election, both serving the webhook behind one
 * address (a TCP balancer standing in for the Service: replicas listen on 127.0.0.2 and 127.0.0.3,
 * the webhook configuration's url is 127.0.0.1), failurePolicy Fail. The leader is SIGKILLed while
 * a loop creates pods in an injected namespace and a MeshInstall changes: the other replica takes
 * the Lease and applies the change (once), and every pod created meanwhile is admitted and injected.
 */
@KubeTest
class LeaderFailoverIT {

  @Test
  void killingTheLeaderLosesNoPodAndTheOtherAppliesTheChangeOnce(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) throws Exception {
    OperatorHarness.installCrd(client);
    String suffix = Faults.suffix();
    String operatorNs = Faults.createNamespace(client, "mesh-operator-failover-" + suffix);
    String name = "failover-" + suffix;
    String revision = "fo" + suffix;
    String controlPlane = "failover-" + suffix + "-system";
    Path kubeconfig = Faults.serviceAccountKubeconfig(client);
    int port = Ports.free();
    InetAddress front = InetAddress.getByName("127.0.0.1");
    List<String> replicaAddresses = List.of("127.0.0.2", "127.0.0.3");
    List<OperatorJvm> replicas = new ArrayList<>();
    AtomicBoolean creating = new AtomicBoolean(true);
    Thread loop = null;
    Watch watch = null;
    try (TcpBalancer balancer = TcpBalancer.start(front, port, replicaAddresses.stream()
        .map(a -> new InetSocketAddress(a, port)).toList())) {
      for (String address : replicaAddresses) {
        OperatorJvm replica = OperatorJvm.start(cluster, kubeconfig, "replica-" + address.replace('.', '-'), operatorNs,
            List.of("--leader-election", "--webhook-bind-address=" + address, "--webhook-port=" + port,
                "--webhook-url-host=127.0.0.1", "--health-port=" + Ports.free(),
                "--default-failure-policy=Fail"));
        replicas.add(replica);
        // One after the other, as a rollout starts them: the first creates the shared Secret.
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          assertThat(replica.isAlive()).as(replica + " is running").isTrue();
          assertThat(replica.logText()).contains("mesh-operator started");
        });
      }
      client.resources(MeshInstall.class).resource(Faults.meshInstall("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: %s
            namespace: %s
            sidecarInjector: {failurePolicy: Fail}
          """.formatted(name, revision, controlPlane))).create();
      Faults.awaitReady(client, name, Duration.ofSeconds(120), replicas.toArray(OperatorJvm[]::new));
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      AtomicInteger warm = new AtomicInteger();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Faults.injected(client.pods()
          .inNamespace(ns.name()).resource(Faults.pod("warmup-" + warm.incrementAndGet(), Map.of())).create())).isTrue());
      assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations()
          .withName("mesh-operator-sidecar-injector-" + revision).get().getWebhooks())
          .allSatisfy(w -> {
            assertThat(w.getFailurePolicy()).isEqualTo("Fail");
            assertThat(w.getClientConfig().getUrl()).startsWith("https://127.0.0.1:" + port + "/");
          });

      String leaderName = lease(client, operatorNs).getSpec().getHolderIdentity();
      OperatorJvm leader = replicas.stream().filter(r -> r.name().equals(leaderName)).findFirst().orElseThrow(
          () -> new AssertionError("the Lease holder " + leaderName + " is none of " + replicas));
      OperatorJvm follower = replicas.stream().filter(r -> r != leader).findFirst().orElseThrow();

      // The mesh ConfigMap's writes from now on: the change must land exactly once.
      String meshConfigMap = "istio-" + revision;
      List<String> writes = Collections.synchronizedList(new ArrayList<>());
      watch = client.configMaps().inNamespace(controlPlane).withName(meshConfigMap).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, ConfigMap cm) {
          if (action == Action.MODIFIED) {
            writes.add(cm.getMetadata().getResourceVersion());
          }
        }

        @Override
        public void onClose(WatcherException cause) {
        }
      });

      // Pods created in a loop from before the kill until after the change is applied.
      List<String> created = Collections.synchronizedList(new ArrayList<>());
      List<String> lost = Collections.synchronizedList(new ArrayList<>());
      long[] killAt = {Long.MAX_VALUE};
      AtomicInteger duringFailover = new AtomicInteger();
      loop = new Thread(() -> {
        int i = 0;
        while (creating.get()) {
          String pod = "loop-" + i++;
          long started = System.nanoTime();
          try {
            Pod p = client.pods().inNamespace(ns.name()).resource(Faults.pod(pod, Map.of())).create();
            if (!Faults.injected(p)) {
              lost.add(pod + ": admitted without a sidecar");
            } else {
              created.add(pod);
              if (started >= killAt[0]) {
                duringFailover.incrementAndGet();
              }
            }
          } catch (RuntimeException e) {
            lost.add(pod + ": " + e.getMessage());
          }
          Faults.sleep(150);
        }
      }, "pod-loop");
      loop.start();
      Faults.sleep(3000);

      String before = client.configMaps().inNamespace(controlPlane).withName(meshConfigMap).get().getData().get("mesh");
      String accessLog = before.contains("/dev/stdout") ? "" : "/dev/stdout";
      int writesBefore = writes.size();
      long t0 = System.nanoTime();
      killAt[0] = t0;
      leader.kill();
      MeshInstall changed = MergeEdits.edit(client.resources(MeshInstall.class).withName(name), mi -> {
        MeshConfigSpec mesh = mi.getSpec().getMeshConfig() == null ? new MeshConfigSpec() : mi.getSpec().getMeshConfig();
        mesh.setAccessLogFile(accessLog);
        mi.getSpec().setMeshConfig(mesh);
        return mi;
      });
      double[] leaseAt = {-1};
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        assertThat(follower.isAlive()).as(follower + " is running").isTrue();
        if (leaseAt[0] < 0 && follower.name().equals(lease(client, operatorNs).getSpec().getHolderIdentity())) {
          leaseAt[0] = (System.nanoTime() - t0) / 1e9;
        }
        String mesh = client.configMaps().inNamespace(controlPlane).withName(meshConfigMap).get().getData().get("mesh");
        assertThat(mesh).isNotEqualTo(before);
      });
      double appliedAt = (System.nanoTime() - t0) / 1e9;
      Faults.awaitReady(client, name, Duration.ofSeconds(60), follower);
      Faults.sleep(5000); // pods keep coming after the change, and a second write would show by now
      creating.set(false);
      loop.join(30_000);

      int changeWrites = writes.size() - writesBefore;
      System.out.printf("[failover] leader %s SIGKILLed; %s held the Lease after %.1f s and applied the MeshInstall change (generation %d) %.1f s after the kill%n",
          leader.name(), follower.name(), leaseAt[0], changed.getMetadata().getGeneration(), appliedAt);
      System.out.printf("[failover] pods: %d created and injected in all, %d of them after the kill; %d lost %s%n",
          created.size(), duringFailover.get(), lost.size(), lost);
      System.out.printf("[failover] mesh ConfigMap written %d time(s) after the change; webhook connections per replica %s%n",
          changeWrites, Arrays.toString(balancer.connectionsPerBackend()));
      assertThat(lost).as("pods refused or admitted without a sidecar during failover").isEmpty();
      assertThat(duringFailover.get()).as("pods created after the kill").isGreaterThanOrEqualTo(20);
      assertThat(leaseAt[0]).as("the follower took the Lease").isPositive();
      assertThat(changeWrites).as("the change is applied once").isEqualTo(1);
      String after = client.configMaps().inNamespace(controlPlane).withName(meshConfigMap).get().getData().get("mesh");
      assertThat(after.contains("/dev/stdout")).as("the access log setting changed: " + after).isEqualTo(!accessLog.isEmpty());
      assertThat(Arrays.stream(balancer.connectionsPerBackend()).boxed().toList()).as("both replicas served admissions").allSatisfy(n -> assertThat(n).isPositive());
      assertThat(follower.isAlive()).isTrue();

      Faults.uninstall(client, name, Duration.ofSeconds(120));
    } finally {
      creating.set(false);
      if (loop != null) {
        loop.join(30_000);
      }
      if (watch != null) {
        watch.close();
      }
      Faults.forget(client, name);
      replicas.forEach(OperatorJvm::close);
      Faults.deleteNamespaces(client, operatorNs, controlPlane);
    }
  }

  private static Lease lease(KubernetesClient client, String namespace) {
    return client.leases().inNamespace(namespace).withName(OperatorProcess.LEASE_NAME).get();
  }
}
