package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each profile installs exactly the objects the renderer produces, becomes Ready, makes no writes
 * once there, and leaves nothing labelled behind when deleted (the shared Istio CRDs stay).
 */
@KubeTest
class MeshInstallProfilesIT {

  @ParameterizedTest
  @EnumSource(Profile.class)
  void profileInstallsExactlyItsObjectsBecomesReadyStaysQuietAndUninstallsCleanly(Profile profile,
      TestCluster cluster, KubernetesClient client, TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", profile);
    String name = install.getMetadata().getName();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        long start = System.nanoTime();
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        double secondsToReady = (System.nanoTime() - start) / 1e9;

        Set<ObjectKey> expected = InstalledObjects.expected(install, List.of(), true);
        await().atMost(TIMEOUT).untilAsserted(() ->
            assertThat(InstalledObjects.labelledWith(client, name)).containsExactlyElementsOf(expected));
        for (ObjectKey crd : InstalledObjects.sharedCrds(install)) {
          assertThat(client.apiextensions().v1().customResourceDefinitions().withName(crd.name()).get()).as(crd.toString()).isNotNull();
        }

        int installWrites = cluster instanceof LocalTestCluster local ? AuditLog.writesBy(local.auditLog(), operator.userAgent()).size() : -1;
        if (cluster instanceof LocalTestCluster local) {
          // ServerSideApply: every apply asks the API server not to parse its body a second time
          List<String> applies = AuditLog.requestsBy(local.auditLog(), operator.userAgent(), "patch").stream()
              .filter(uri -> uri.contains("fieldManager=" + MeshInstallReconciler.FIELD_MANAGER)).toList();
          assertThat(applies).as("the operator's applies").hasSizeGreaterThanOrEqualTo(expected.isEmpty() ? 0 : 1)
              .allSatisfy(uri -> assertThat(uri).contains("fieldValidation=Ignore"));
        }
        int quietWrites = steadyStateWrites(cluster, operator);
        System.out.printf("[reconcile-it] profile %s: Ready after %.1fs, %d objects labelled, %d operator writes to install (objects, finalizer, status, events), %d operator writes in 5s of steady state%n",
            profile.wireName(), secondsToReady, expected.size(), installWrites, quietWrites);
        assertThat(quietWrites).isZero();

        MeshInstallTestSupport.deleteAndAwaitGone(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(InstalledObjects.labelledWith(client, name, true)).isEmpty());
        for (ObjectKey crd : InstalledObjects.sharedCrds(install)) {
          assertThat(client.apiextensions().v1().customResourceDefinitions().withName(crd.name()).get())
              .as("shared %s stays on uninstall", crd).isNotNull();
        }
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  /** Lets trailing events settle, then counts the operator's writes over a quiet window. */
  static int steadyStateWrites(TestCluster cluster, OperatorHarness operator) throws InterruptedException {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    var auditLog = ((LocalTestCluster) cluster).auditLog();
    Thread.sleep(3000);
    List<String> before = AuditLog.writesBy(auditLog, operator.userAgent());
    Thread.sleep(5000);
    List<String> after = AuditLog.writesBy(auditLog, operator.userAgent());
    List<String> extra = after.subList(before.size(), after.size());
    assertThat(extra).as("writes by the operator in steady state").isEmpty();
    return extra.size();
  }
}
