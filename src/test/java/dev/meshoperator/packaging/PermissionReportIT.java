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
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
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
 * was refused. One kind of refusal is told apart: ApiServerRestartIT restarts kube-apiserver, and
 * the new server refuses the operator's reconnecting watches and Lease reads until its RBAC
 * authorizer has read the roles. A refusal by the authorizer received between the old server's stop
 * and {@link #WARM_UP_GRACE} after the new one's first /readyz ok (LocalCluster records both), of a
 * request deploy/02-rbac.yaml grants, is listed and counted apart, and must be allowed by a
 * SubjectAccessReview now; every other refusal fails the test.
 */
@KubeTest
@Order(Integer.MAX_VALUE)
class PermissionReportIT {
  /** User agents of requests refused on purpose (OperatorServiceAccountIT probes the escalation check). */
  private static final String DENIAL_PROBE = "denial-probe/";
  /**
   * After a restarted API server first answers /readyz ok: how long its refusals of granted requests
   * still count as warm-up (readiness is polled every 200 ms; the refusals seen come before it).
   */
  static final Duration WARM_UP_GRACE = Duration.ofSeconds(5);

  @Test
  void everyPermissionTheOperatorUsedIsGrantedByDeploy(TestCluster cluster, KubernetesClient client) throws IOException {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log is the local test cluster's");
    Path auditLog = ((LocalTestCluster) cluster).auditLog();
    Path restartsFile = ((LocalTestCluster) cluster).apiServerRestarts();
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
    var restarts = AuditPermissions.RestartWindow.read(restartsFile, WARM_UP_GRACE);
    var report = AuditPermissions.analyze(auditLog, identity.user(), clusterRules, roleRules, identity.namespace(), restarts);
    String table = AuditPermissions.table(report, clusterRules);
    Files.writeString(Manifests.BASEDIR.resolve("target/permission-report.md"), table);
    System.out.println("[permission report] requests of " + identity.user() + " in " + auditLog
        + " against deploy/02-rbac.yaml (also in target/permission-report.md):\n" + table);

    // The same log read without the windows: what this test would have counted before.
    var unfiltered = AuditPermissions.analyze(auditLog, identity.user(), clusterRules, roleRules, identity.namespace(), List.of());
    System.out.printf("[permission report] %d API server restart(s) in %s; %d refused request(s) of what deploy/ grants"
        + " inside their windows (old server stopped .. new one's /readyz ok + %d s) set apart as warm-up; %d other"
        + " refused request(s); read without the windows: %d refused request(s)%n",
        restarts.size(), restartsFile, report.warmUp().size(), WARM_UP_GRACE.toSeconds(), report.denials().size(),
        unfiltered.denials().size());
    for (var w : restarts) {
      var in = report.warmUp().stream().filter(d -> w.contains(d.received())).toList();
      var offsets = in.stream().mapToLong(d -> Duration.between(w.ready(), d.received()).toMillis()).summaryStatistics();
      System.out.printf("[permission report]   restart: stopped %s, ready %s (%.1f s); %d warm-up refusal(s)%s%n",
          w.stopped(), w.ready(), Duration.between(w.stopped(), w.ready()).toMillis() / 1000.0, in.size(),
          in.isEmpty() ? "" : String.format(", received %.1f .. %.1f s from ready", offsets.getMin() / 1000.0, offsets.getMax() / 1000.0));
      in.forEach(d -> System.out.println("[permission report]     warm-up refusal: " + d));
    }
    report.denials().forEach(d -> System.out.println("[permission report]   refused: " + d + " decision=" + d.decision()));

    assertThat(report.used()).as("the operator's reads are in the audit log")
        .contains(new AuditPermissions.Use("list", "meshoperator.dev", "meshinstalls", false),
            new AuditPermissions.Use("watch", "apps", "deployments", false));
    assertThat(report.notGranted()).as("used but not granted by deploy/02-rbac.yaml").isEmpty();
    assertThat(report.denials()).as("requests of the ServiceAccount the API server refused")
        .allSatisfy(d -> assertThat(d.userAgent()).startsWith(DENIAL_PROBE));
    assertThat(unfiltered.denials()).as("every refusal is either counted or set apart as warm-up")
        .hasSize(report.denials().size() + report.warmUp().size());
    // What the restarted server refused while warming, the warm server grants: ask it.
    report.warmUp().stream().map(d -> List.of(d.use().verb(), d.use().group(), d.use().resource(), d.namespace()))
        .distinct().forEach(r -> assertThat(allowed(client, identity.user(), r.get(0), r.get(1), r.get(2), r.get(3)))
            .as("refused during a restart's warm-up, so it must be granted now: " + r).isTrue());
  }

  private static boolean allowed(KubernetesClient client, String user, String verb, String group, String resource,
      String namespace) {
    String[] parts = resource.split("/", 2);
    var review = new SubjectAccessReviewBuilder().withNewSpec().withUser(user)
        .withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(parts[0])
        .withSubresource(parts.length > 1 ? parts[1] : null).withNamespace(namespace.isEmpty() ? null : namespace)
        .endResourceAttributes().endSpec().build();
    return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }
}
