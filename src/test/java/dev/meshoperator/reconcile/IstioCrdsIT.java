package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * After an install, Istio's API kinds behave as with Istio's own charts: kubectl explains their
 * fields, knows their short names and the istio-io category, and the API server refuses an object of
 * the wrong shape. The big CRDs cost no writes once applied.
 */
@KubeTest
class IstioCrdsIT {

  private static GenericKubernetesResource load(KubernetesClient client, String yaml) {
    return client.genericKubernetesResources("networking.istio.io/v1", "VirtualService")
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).item();
  }

  @Test
  void kubectlExplainsShortNamesAndCategoryWorkAndAWrongTypeIsRefused(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);

        // kubectl reads the published OpenAPI; it may lag the CRD by a moment.
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(cluster.kubectl(List.of("explain", "virtualservice.spec")))
            .contains("KIND:", "VirtualService", "hosts", "http", "gateways"));
        assertThat(cluster.kubectl(List.of("explain", "destinationrules.spec.trafficPolicy.loadBalancer")))
            .contains("simple");

        GenericKubernetesResource good = load(client, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
            """);
        client.resource(good).inNamespace(ns.name()).create();
        assertThat(cluster.kubectl(List.of("get", "vs", "-n", ns.name())))
            .as("the short name and the printer columns").contains("reviews", "GATEWAYS", "HOSTS", "AGE");
        assertThat(cluster.kubectl(List.of("get", "istio-io", "-n", ns.name())))
            .as("the istio-io category").contains("virtualservice.networking.istio.io/reviews");

        GenericKubernetesResource wrongType = load(client, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: broken}
            spec:
              hosts: reviews
              http: [{route: [{destination: {host: reviews, port: {number: "eighty"}}}]}]
            """);
        assertThatThrownBy(() -> client.resource(wrongType).inNamespace(ns.name()).create())
            .isInstanceOf(KubernetesClientException.class)
            .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
            .hasMessageContaining("spec.hosts").hasMessageContaining("spec.http[0].route[0].destination.port.number");

        GenericKubernetesResource celViolation = load(client, """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: short-timeout}
            spec:
              hosts: [reviews]
              http: [{timeout: 100us, route: [{destination: {host: reviews}}]}]
            """);
        assertThatThrownBy(() -> client.resource(celViolation).inNamespace(ns.name()).create())
            .as("a CEL rule of Istio's schema").isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("must be a valid duration greater than 1ms");

        quietForTheCrdsWhileAnotherObjectIsRepaired(cluster, client, operator, install);
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  /**
   * A hand edit of the mesh ConfigMap makes the operator reconcile and write it back (the positive
   * control: the audit log sees its writes); the CRDs, unchanged, get none.
   */
  private static void quietForTheCrdsWhileAnotherObjectIsRepaired(TestCluster cluster, KubernetesClient client,
      OperatorHarness operator, MeshInstall install) throws InterruptedException {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    var auditLog = ((LocalTestCluster) cluster).auditLog();
    Thread.sleep(2000);
    int before = AuditLog.writesBy(auditLog, operator.userAgent()).size();
    String cp = install.getSpec().getNamespace();
    String mesh = "istio-" + install.getSpec().getRevision();
    var configMap = client.configMaps().inNamespace(cp).withName(mesh);
    String original = configMap.get().getData().get("mesh");
    MergeEdits.edit(configMap, c -> {
      c.getData().put("mesh", "edited: by hand\n");
      return c;
    });
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(configMap.get().getData().get("mesh")).isEqualTo(original));
    Thread.sleep(3000);
    List<String> writes = AuditLog.writesBy(auditLog, operator.userAgent());
    List<String> during = writes.subList(before, writes.size());
    System.out.printf("[istio-crds-it] operator writes while repairing the mesh ConfigMap: %s%n", during);
    assertThat(during).as("the repair is seen").anyMatch(w -> w.contains("/configmaps/" + mesh));
    assertThat(during).as("no write to the unchanged CRDs").noneMatch(w -> w.contains("customresourcedefinitions"));
  }
}
