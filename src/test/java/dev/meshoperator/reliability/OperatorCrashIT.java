package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
      KubernetesClient client) throws InterruptedException {
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
      // A safety net for the timing below: the API server refuses this install's webhook
      // configurations (the last apply steps) until the kill, so however late the kill falls, the
      // install cannot have finished. Lifted before the restart.
      holdBackWebhookConfigurations(client, name);
      // Kill in the middle of the install: on the watch event of its first Deployment (the third of
      // six apply steps), while the other Deployment and the later steps are in flight. (Polling
      // every kind's list took long enough on a loaded machine for a whole install to fit between
      // two polls.)
      CountDownLatch begun = new CountDownLatch(1);
      try (Watch watch = client.apps().deployments().inNamespace(controlPlane).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Deployment deployment) {
          begun.countDown();
        }

        @Override
        public void onClose(WatcherException cause) {}
      })) {
        // The default profile: istiod and the ingress gateway, the most objects of any profile.
        client.resources(MeshInstall.class).resource(Faults.meshInstall("""
            apiVersion: meshoperator.dev/v1alpha1
            kind: MeshInstall
            metadata: {name: %s}
            spec: {profile: default, revision: crash%s, namespace: %s}
            """.formatted(name, suffix, controlPlane))).create();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!begun.await(20, TimeUnit.MILLISECONDS)) {
          assertThat(first.isAlive()).as(first + " is running").isTrue();
          assertThat(System.nanoTime()).as("the install began within 120 s").isLessThan(deadline);
        }
        first.kill();
      }
      int expected = Faults.expected(client, name).size();
      assertThat(first.isAlive()).isFalse();
      int[] atKill = Faults.compare("crash: at SIGKILL", client, name);
      MeshInstall killed = client.resources(MeshInstall.class).withName(name).get();
      System.out.printf("[crash] SIGKILL after %d of %d objects (state then: %s)%n", atKill[0], expected,
          killed.getStatus() == null ? "no status" : killed.getStatus().getState());
      assertThat(atKill[0]).as("the kill fell in the middle of the install").isGreaterThan(0).isLessThan(expected);
      releaseWebhookConfigurations(client);

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
      releaseWebhookConfigurations(client);
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

  private static final String HOLD = "operator-crash-it-hold";

  /** A ValidatingAdmissionPolicy (CEL, in the API server) that refuses the install's webhook configurations. */
  private static void holdBackWebhookConfigurations(KubernetesClient client, String installName) {
    client.resource("""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %1$s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [admissionregistration.k8s.io]
              apiVersions: ["*"]
              operations: [CREATE, UPDATE]
              resources: [mutatingwebhookconfigurations, validatingwebhookconfigurations]
          validations:
          - expression: "false"
            message: held back by OperatorCrashIT until the operator is killed
        """.formatted(HOLD)).create();
    client.resource("""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: %1$s}
        spec:
          policyName: %1$s
          validationActions: [Deny]
          matchResources:
            objectSelector:
              matchLabels: {%2$s: %3$s}
        """.formatted(HOLD, Labels.INSTALL, installName)).create();
  }

  private static void releaseWebhookConfigurations(KubernetesClient client) {
    client.resources(ValidatingAdmissionPolicyBinding.class).withName(HOLD).delete();
    client.resources(ValidatingAdmissionPolicy.class).withName(HOLD).delete();
  }
}
