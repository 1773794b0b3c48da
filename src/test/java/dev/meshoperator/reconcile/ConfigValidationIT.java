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
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The revision's validation webhook configuration is applied, sends the revision's Istio config to
 * istiod's /validate, and once istiod (here a test client with istiod's field manager, doing what
 * istiod's webhook controller does: an update of caBundle and failurePolicy) takes it over, the
 * operator leaves those fields alone: no write, no fight.
 */
@KubeTest
class ConfigValidationIT {
  private static final String ISTIOD_FIELD_MANAGER = "pilot-discovery";

  @Test
  void appliedFailOpenThenIstiodsCaBundleAndFailurePolicyStayWithoutAnyOperatorWrite(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) throws Exception {
    Assumptions.assumeTrue(cluster instanceof LocalTestCluster, "the audit log exists on the local test cluster only");
    var auditLog = ((LocalTestCluster) cluster).auditLog();
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    String rev = install.getSpec().getRevision();
    String cp = install.getSpec().getNamespace();
    String vwcName = "istio-validator-" + rev + "-" + cp;
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        var vwcs = client.admissionRegistration().v1().validatingWebhookConfigurations();
        ValidatingWebhookConfiguration created = vwcs.withName(vwcName).get();
        assertThat(created).as(vwcName).isNotNull();
        assertThat(created.getMetadata().getLabels()).containsEntry("istio.io/rev", rev);
        assertThat(created.getWebhooks()).singleElement().satisfies(w -> {
          assertThat(w.getFailurePolicy()).as("fail open until istiod validates").isEqualTo("Ignore");
          assertThat(w.getClientConfig().getCaBundle()).isNull();
          assertThat(w.getClientConfig().getService().getName()).isEqualTo("istiod-" + rev);
          assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/validate");
        });
        assertThat(ownersOf(created, "f:failurePolicy")).containsExactly("mesh-operator-initial");

        // Fail open: with istiod absent, the API server still accepts the revision's config.
        client.resource(virtualService("before", rev)).inNamespace(ns.name()).create();

        // istiod's webhook controller: one update of caBundle and failurePolicy.
        ValidatingWebhookConfiguration byIstiod = vwcs.withName(vwcName).get();
        String caBundle = Base64.getEncoder().encodeToString(
            "-----BEGIN CERTIFICATE-----\nnot-a-real-one\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII));
        byIstiod.getWebhooks().forEach(w -> {
          w.getClientConfig().setCaBundle(caBundle);
          w.setFailurePolicy("Fail");
        });
        // An update's field manager is the client's user agent up to the first "/", as for istiod.
        try (KubernetesClient istiod = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withUserAgent(ISTIOD_FIELD_MANAGER + "/1.30").build())
            .build()) {
          istiod.resource(byIstiod).update();
        }

        int before = AuditLog.writesBy(auditLog, operator.userAgent()).size();
        // Make the operator reconcile: a hand edit of the mesh ConfigMap, which it repairs.
        var configMap = client.configMaps().inNamespace(cp).withName("istio-" + rev);
        String mesh = configMap.get().getData().get("mesh");
        MergeEdits.edit(configMap, c -> {
          c.getData().put("mesh", "edited: by hand\n");
          return c;
        });
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(configMap.get().getData().get("mesh")).isEqualTo(mesh));
        Thread.sleep(5000);
        List<String> writes = AuditLog.writesBy(auditLog, operator.userAgent());
        List<String> during = writes.subList(before, writes.size());
        System.out.printf("[config-validation-it] operator writes after istiod took the webhook over: %s%n", during);
        assertThat(during).as("the reconcile happened").anyMatch(w -> w.contains("/configmaps/istio-" + rev));
        assertThat(during).as("and left the validation webhook alone").noneMatch(w -> w.contains("validatingwebhookconfigurations"));

        ValidatingWebhookConfiguration after = vwcs.withName(vwcName).get();
        assertThat(after.getWebhooks()).singleElement().satisfies(w -> {
          assertThat(w.getFailurePolicy()).isEqualTo("Fail");
          assertThat(w.getClientConfig().getCaBundle()).isEqualTo(caBundle);
        });
        assertThat(ownersOf(after, "f:failurePolicy")).containsExactly(ISTIOD_FIELD_MANAGER);
        assertThat(ownersOf(after, "f:caBundle")).containsExactly(ISTIOD_FIELD_MANAGER);

        // The configuration is live: with failurePolicy Fail and no istiod behind the Service, the
        // API server refuses the revision's config because it cannot reach /validate.
        assertThatThrownBy(() -> client.resource(virtualService("after", rev)).inNamespace(ns.name()).create())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("rev.validation.istio.io");
        // Config of other revisions is not sent there.
        client.resource(virtualService("other-revision", rev + "x")).inNamespace(ns.name()).create();
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
      assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().withName(vwcName).get())
          .as("removed on uninstall").isNull();
    }
  }

  private static GenericKubernetesResource virtualService(String name, String rev) {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, labels: {istio.io/rev: %s}}
        spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
        """.formatted(name, rev);
    return new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
        .unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), GenericKubernetesResource.class);
  }

  /** Field managers whose managed fields mention {@code field} (e.g. "f:caBundle"). */
  private static List<String> ownersOf(ValidatingWebhookConfiguration vwc, String field) {
    return vwc.getMetadata().getManagedFields().stream()
        .filter(m -> m.getFieldsV1() != null && String.valueOf(m.getFieldsV1().getAdditionalProperties()).contains(field))
        .map(ManagedFieldsEntry::getManager).toList();
  }
}
