package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs last (see junit-platform.properties): reads the API server's audit log of the whole run
 * for every request of deploy/'s ServiceAccount (the identity every operator of the suite runs
 * as), prints the permissions used against those granted by deploy/02-rbac.yaml, writes the table
 * to target/permission-report.md and fails when anything was used that deploy/ does not grant, or
 * was refused.
 */
@KubeTest
@Order(Integer.MAX_VALUE)
class PermissionReportIT {
  /** User agents of requests refused on purpose (OperatorServiceAccountIT probes the escalation check). */
  private static final String DENIAL_PROBE = "denial-probe/";

  @Test
  void everyPermissionTheOperatorUsedIsGrantedByDeploy(TestCluster cluster, KubernetesClient client) throws IOException {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log is the local test cluster's");
    Path auditLog = ((LocalTestCluster) cluster).auditLog();
    OperatorIdentity identity = OperatorIdentity.fromDeploy(client);

    // Positive control, and data when this class runs alone: one install and uninstall as the
    // ServiceAccount, whose reads must appear in the log.
    String name = "report-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    var installs = client.resources(MeshInstall.class);
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: %s, namespace: %s-system}
          """.formatted(name, name, name), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        MeshInstall mi = installs.withName(name).get();
        return mi.getStatus() != null && mi.getStatus().getState() == MeshState.Ready;
      });
      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
    } finally {
      installs.withName(name).delete();
    }

    var deploy = Manifests.parse(Manifests.DEPLOY.resolve("02-rbac.yaml"));
    var clusterRules = Manifests.single(deploy, ClusterRole.class).getRules();
    var roleRules = Manifests.single(deploy, Role.class).getRules();
    var report = AuditPermissions.analyze(auditLog, identity.user(), clusterRules, roleRules, identity.namespace());
    String table = AuditPermissions.table(report, clusterRules);
    Files.writeString(Manifests.BASEDIR.resolve("target/permission-report.md"), table);
    System.out.println("[permission report] requests of " + identity.user() + " in " + auditLog
        + " against deploy/02-rbac.yaml (also in target/permission-report.md):\n" + table);

    assertThat(report.used()).as("the operator's reads are in the audit log")
        .contains(new AuditPermissions.Use("list", "meshoperator.dev", "meshinstalls", false),
            new AuditPermissions.Use("watch", "apps", "deployments", false));
    assertThat(report.notGranted()).as("used but not granted by deploy/02-rbac.yaml").isEmpty();
    assertThat(report.denials()).as("requests of the ServiceAccount the API server refused")
        .allSatisfy(d -> assertThat(d.userAgent()).startsWith(DENIAL_PROBE));
  }
}
