package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.reconcile.MeshInstallReconciler;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code meshctl uninstall --force NAME}, the escape hatch when an uninstall is stuck: it says what
 * it leaves behind (the labelled objects still present, and why), removes the finalizer, and the
 * MeshInstall goes. No operator runs here, as when it is gone or broken.
 */
@KubeTest
class UninstallForceIT {

  @Test
  void forceListsWhatIsLeftRemovesTheFinalizerAndTheMeshInstallGoes(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String name = "force-" + ns.name().substring(ns.name().lastIndexOf('-') + 1);
    var installs = client.resources(MeshInstall.class);
    installs.resource(new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s, finalizers: [%s]}
        spec: {profile: minimal, revision: %s}
        """.formatted(name, MeshInstallReconciler.FINALIZER, name), MeshInstall.class)).create();
    var held = client.configMaps().inNamespace(ns.name()).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("istio-" + name).addToLabels(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).addToLabels(Labels.INSTALL, name)
        .addToFinalizers("example.com/hold").endMetadata().addToData("mesh", "{}").build()).create();
    var kept = client.configMaps().inNamespace(ns.name()).withName(held.getMetadata().getName());
    String kc = cluster.kubeconfig().toString();
    try {
      MeshctlRun usage = MeshctlRun.of("--kubeconfig", kc, "uninstall", "--force");
      assertThat(usage.exitCode()).isEqualTo(2);
      assertThat(usage.err()).contains("--force needs the name of one MeshInstall");

      // the operator, still running, writes the status of the install being deleted meanwhile: a
      // writer does the same here every 10 ms, so a removal locked to the version it read would
      // meet a 409 Conflict
      AtomicInteger writes = new AtomicInteger();
      ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
      writer.scheduleWithFixedDelay(() -> {
        try {
          MeshInstall mi = installs.withName(name).get();
          if (mi != null) {
            MeshInstallStatus status = new MeshInstallStatus();
            status.setObservedGeneration((long) writes.get() + 1);
            mi.setStatus(status);
            installs.resource(mi).updateStatus();
            writes.incrementAndGet();
          }
        } catch (RuntimeException e) {
          // gone, or our own conflict: the next round
        }
      }, 0, 10, TimeUnit.MILLISECONDS);
      MeshctlRun run;
      try {
        run = MeshctlRun.of("--kubeconfig", kc, "uninstall", "--force", name, "--timeout", "60s");
      } finally {
        writer.shutdownNow();
      }
      System.out.println("[uninstall-force-it] meshctl printed:\n" + run.out() + run.err() + "\n(status writes meanwhile: "
          + writes.get() + ")");
      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(writes.get()).as("status writes while meshctl ran").isGreaterThan(2);
      assertThat(run.out()).contains(
          "leaving behind 1 object(s) labelled app.kubernetes.io/managed-by=mesh-operator,meshoperator.dev/install=" + name,
          "ConfigMap/" + ns.name() + "/istio-" + name + " (not deleted yet)",
          "finalizer " + MeshInstallReconciler.FINALIZER + " removed",
          "meshinstall/" + name + " deleted");
      await().atMost(Duration.ofSeconds(30)).until(() -> installs.withName(name).get() == null);
      assertThat(kept.get()).as("what --force said it leaves behind is still there").isNotNull();
    } finally {
      try {
        kept.edit(c -> {
          c.getMetadata().getFinalizers().clear();
          return c;
        });
        kept.delete();
      } catch (RuntimeException ignored) {
        // already gone
      }
      if (installs.withName(name).get() != null) {
        MergeEdits.edit(installs.withName(name), mi -> {
          mi.getMetadata().setFinalizers(null);
          return mi;
        });
      }
    }
  }
}
