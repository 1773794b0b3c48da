package dev.meshoperator.cli;

import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.operator.OperatorProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.AuditLog;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The whole operator (controller, webhook, certificate manager, caBundle sync) makes no write once
 * the mesh is installed, however often it reconciles: after a label is touched on the MeshInstall
 * and on a managed object, past several resyncs, and after a restart. The audit log counts the
 * operator's writes; the same count during the install is the positive control (a filter that
 * matched nothing would pass the zero), and the reconciles are counted too, so "no writes" is not
 * "no reconciles".
 */
@KubeTest
class OperatorSteadyStateIT {
  private static final Duration RESYNC = Duration.ofSeconds(4);

  @Test
  void fullOperatorWritesNothingInSteadyStateThroughTouchesResyncsAndARestart(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) throws Exception {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    Path auditLog = ((LocalTestCluster) cluster).auditLog();
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + suffix;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    String userAgent = "mesh-operator-steady/" + suffix;
    var options = new OperatorProcess.Options(webhook, Optional.empty(), userAgent, FailurePolicy.Fail)
        .withResyncInterval(RESYNC);
    String name = "steady-" + suffix;
    String revision = "st" + suffix;
    String controlPlaneNs = "st-" + suffix + "-system";
    var installs = client.resources(MeshInstall.class);
    // The operator as users run it: deploy/'s ServiceAccount with deploy/'s RBAC only.
    KubernetesClient asServiceAccount = OperatorIdentity.fromDeploy(client).client(userAgent);
    try (ReconcileCounter reconciles = ReconcileCounter.of(name)) {
      try (var operator = OperatorProcess.start(asServiceAccount, options)) {
        installs.resource(new KubernetesSerialization().unmarshal("""
            apiVersion: meshoperator.dev/v1alpha1
            kind: MeshInstall
            metadata: {name: %s}
            spec: {profile: minimal, revision: %s, namespace: %s}
            """.formatted(name, revision, controlPlaneNs), MeshInstall.class)).create();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          MeshInstall current = installs.withName(name).get();
          assertThat(current.getStatus()).isNotNull();
          assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
          assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
        });
        Thread.sleep(3000); // trailing status and events of the install

        // Positive control: the same filter sees the install's writes, of each kind of writer.
        List<String> installWrites = AuditLog.writesBy(auditLog, userAgent);
        System.out.printf("[steady-state] install: %d operator writes, %d reconciles%n", installWrites.size(), reconciles.count());
        assertThat(installWrites).as("operator writes during the install")
            .anyMatch(w -> w.startsWith("patch ") && w.contains("/deployments/istiod-" + revision))
            .anyMatch(w -> w.contains("/mutatingwebhookconfigurations/mesh-operator-sidecar-injector-" + revision))
            .anyMatch(w -> w.contains("/meshinstalls/" + name));
        int base = installWrites.size();
        int reconcilesAtBase = reconciles.count();

        // Touch a label on the MeshInstall and on a managed object (a watched kind: reconciles).
        installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"example.com/touched\":\"1\"}}}");
        client.apps().deployments().inNamespace(controlPlaneNs).withName("istiod-" + revision)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"example.com/touched\":\"1\"}}}");
        // Past resyncs: each runs a full reconcile.
        await().atMost(Duration.ofSeconds(60)).until(() -> reconciles.count() >= reconcilesAtBase + 3);
        Thread.sleep(RESYNC.toMillis() + 1000);
        List<String> afterTouches = AuditLog.writesBy(auditLog, userAgent);
        System.out.printf("[steady-state] touches and resyncs: %d reconciles, %d writes%n",
            reconciles.count() - reconcilesAtBase, afterTouches.size() - base);
        assertThat(afterTouches.subList(base, afterTouches.size())).as("operator writes after touches and resyncs").isEmpty();
      }

      // Restart: informers list everything anew, the certificate manager reloads its Secret.
      int reconcilesBeforeRestart = reconciles.count();
      int base = AuditLog.writesBy(auditLog, userAgent).size();
      try (var operator = OperatorProcess.start(asServiceAccount, options)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> reconciles.count() >= reconcilesBeforeRestart + 2);
        Thread.sleep(RESYNC.toMillis() + 1000);
        List<String> afterRestart = AuditLog.writesBy(auditLog, userAgent);
        System.out.printf("[steady-state] restart: %d reconciles, %d writes%n",
            reconciles.count() - reconcilesBeforeRestart, afterRestart.size() - base);
        assertThat(afterRestart.subList(base, afterRestart.size())).as("operator writes after a restart").isEmpty();

        installs.withName(name).delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
      }
    } finally {
      if (installs.withName(name).get() != null) {
        try (var operator = OperatorProcess.start(asServiceAccount, options)) {
          installs.withName(name).delete();
          await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
        }
      }
      client.namespaces().withName(operatorNs).delete();
      asServiceAccount.close();
    }
  }

  /** Counts JOSDK's dispatches of one MeshInstall to the reconciler (its debug log line). */
  static final class ReconcileCounter extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger(
        "io.javaoperatorsdk.operator.processing.event.ReconciliationDispatcher");
    private final Level previous = logger.getLevel();
    private final String install;
    private final AtomicInteger count = new AtomicInteger();

    private ReconcileCounter(String install) {
      this.install = install;
    }

    static ReconcileCounter of(String install) {
      ReconcileCounter counter = new ReconcileCounter(install);
      counter.setContext(counter.logger.getLoggerContext());
      counter.start();
      counter.logger.addAppender(counter);
      counter.logger.setLevel(Level.DEBUG);
      counter.logger.setAdditive(false); // count, do not print
      return counter;
    }

    @Override
    protected void append(ILoggingEvent event) {
      Object[] args = event.getArgumentArray();
      if (event.getMessage().startsWith("Handling dispatch for resource") && args != null && args.length > 0
          && install.equals(String.valueOf(args[0]))) {
        count.incrementAndGet();
      }
    }

    int count() {
      return count.get();
    }

    @Override
    public void close() {
      logger.detachAppender(this);
      logger.setLevel(previous);
      logger.setAdditive(true);
      stop();
    }
  }

}
