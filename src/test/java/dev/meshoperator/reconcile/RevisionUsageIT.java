package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The pod count behind every reconcile's revision plan, read as the operator reads it (deploy/'s
 * ServiceAccount): metadata only, finished pods left out by the API server, in pages. Each page is
 * one request in the audit log; a single unpaged list of full pods (what it used to be: at 10,000
 * injected pods some 90 MiB of JSON held at once, per reconcile) would be one request without a limit.
 */
@KubeTest
class RevisionUsageIT {
  @Test
  void countsUnfinishedInjectedPodsByRevisionAcrossPagesOfMetadata(TestCluster cluster, KubernetesClient client, TestNamespace ns) {
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String r1 = "ru1-" + suffix;
    String r2 = "ru2-" + suffix;
    for (int i = 0; i < 4; i++) {
      create(client, ns, "a" + i, injected(r1));
    }
    for (int i = 0; i < 3; i++) {
      create(client, ns, "b" + i, injected(r2));
    }
    create(client, ns, "rev-no-sidecar", Map.of(RevisionUsage.REV_ANNOTATION, r1)); // not injected: not counted
    create(client, ns, "plain", Map.of());
    create(client, ns, "done", injected(r1));
    // Finished: not counted. A merge patch, since the scheduler writes this pod's status too.
    client.pods().inNamespace(ns.name()).withName("done").subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Succeeded\"}}");

    String userAgent = "revision-usage-it/" + suffix;
    try (KubernetesClient operator = OperatorIdentity.fromDeploy(client).client(userAgent)) {
      Map<String, Integer> counts = RevisionUsage.podsByRevision(operator, 3);
      assertThat(counts).containsEntry(r1, 4).containsEntry(r2, 3);
      // The default page size gives the same answer.
      assertThat(RevisionUsage.podsByRevision(operator)).containsEntry(r1, 4).containsEntry(r2, 3);
      // The same read keeps the metadata of the pods on the inactive revisions asked for.
      RevisionUsage.Pods pods = RevisionUsage.pods(operator, java.util.Set.of(r1), 3);
      assertThat(pods.byRevision()).containsEntry(r1, 4).containsEntry(r2, 3);
      assertThat(pods.onInactive()).filteredOn(m -> ns.name().equals(m.getNamespace()))
          .extracting(io.fabric8.kubernetes.api.model.ObjectMeta::getName)
          .containsExactlyInAnyOrder("a0", "a1", "a2", "a3", "rev-no-sidecar");
    }

    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    Path audit = ((LocalTestCluster) cluster).auditLog();
    // Our 9 unfinished pods alone fill 3 pages of 3: at least 3 requests, each paged and filtered.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<String> lists = AuditLog.requestsBy(audit, userAgent, "list");
      assertThat(lists.stream().filter(uri -> uri.contains("limit=3&")).count()).isGreaterThanOrEqualTo(3);
      assertThat(lists).allMatch(uri -> uri.startsWith("/api/v1/pods?limit=") && uri.contains("fieldSelector=status.phase"));
    });
  }

  private static Map<String, String> injected(String revision) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put(RevisionUsage.REV_ANNOTATION, revision);
    annotations.put("sidecar.istio.io/status", "{\"containers\":[\"istio-proxy\"]}");
    return annotations;
  }

  private static Pod create(KubernetesClient client, TestNamespace ns, String name, Map<String, String> annotations) {
    return client.pods().inNamespace(ns.name()).resource(new PodBuilder()
        .withNewMetadata().withName(name).withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.example/app:1").endContainer()
        // No node matches: the pod stays Pending (unfinished) without a scheduler or kwok touching it.
        .withNodeSelector(Map.of("example.com/none", "none")).endSpec()
        .build()).create();
  }
}
