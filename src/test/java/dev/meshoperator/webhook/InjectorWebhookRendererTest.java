package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.SidecarInjectorSpec;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class InjectorWebhookRendererTest {
  private static final WebhookEndpoint SERVICE = WebhookEndpoint.service("mesh-operator", "mesh-operator", 443);

  private static MutatingWebhookConfiguration render(String revision, FailurePolicy specPolicy,
      FailurePolicy operatorDefault, WebhookEndpoint endpoint) {
    var spec = new MeshInstallSpec();
    spec.setRevision(revision);
    if (specPolicy != null) {
      var injector = new SidecarInjectorSpec();
      injector.setFailurePolicy(specPolicy);
      spec.setSidecarInjector(injector);
    }
    var objects = new InjectorWebhookRenderer(endpoint, () -> Optional.of("PEM"), operatorDefault)
        .render(Profiles.resolve("mi", spec));
    assertThat(objects).hasSize(1);
    return (MutatingWebhookConfiguration) objects.get(0);
  }

  private static String describe(LabelSelector s) {
    return s.getMatchExpressions().stream()
        .map((LabelSelectorRequirement r) -> r.getKey() + " " + r.getOperator()
            + (r.getValues() == null ? "" : " " + r.getValues()))
        .collect(Collectors.joining("; "));
  }

  @Test
  void defaultRevisionHasIstiosFourEntriesWithTheirSelectors() {
    var mwc = render(null, null, FailurePolicy.Fail, SERVICE);
    assertThat(mwc.getMetadata().getName()).isEqualTo("mesh-operator-sidecar-injector");
    assertThat(mwc.getWebhooks()).extracting(MutatingWebhook::getName).containsExactly(
        "rev.namespace.sidecar-injector.meshoperator.dev", "rev.object.sidecar-injector.meshoperator.dev",
        "namespace.sidecar-injector.meshoperator.dev", "object.sidecar-injector.meshoperator.dev");
    MutatingWebhook namespace = mwc.getWebhooks().get(2);
    assertThat(describe(namespace.getNamespaceSelector())).isEqualTo("istio-injection In [enabled]; "
        + "kubernetes.io/metadata.name NotIn [kube-system, kube-public, kube-node-lease, istio-system]");
    assertThat(describe(namespace.getObjectSelector())).isEqualTo("sidecar.istio.io/inject NotIn [false]");
    MutatingWebhook object = mwc.getWebhooks().get(3);
    assertThat(describe(object.getObjectSelector()))
        .isEqualTo("sidecar.istio.io/inject In [true]; istio.io/rev DoesNotExist");
    assertThat(describe(mwc.getWebhooks().get(0).getNamespaceSelector()))
        .startsWith("istio.io/rev In [default]; istio-injection DoesNotExist");
  }

  @Test
  void namedRevisionAnswersOnlyToItsRevisionLabelOnItsOwnPath() {
    var mwc = render("canary", null, FailurePolicy.Fail, SERVICE);
    assertThat(mwc.getMetadata().getName()).isEqualTo("mesh-operator-sidecar-injector-canary");
    assertThat(mwc.getWebhooks()).hasSize(2).allSatisfy(w -> {
      assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/inject/canary");
      assertThat(describe(w.getNamespaceSelector()) + " | " + describe(w.getObjectSelector()))
          .contains("istio.io/rev In [canary]");
    });
  }

  @Test
  void carriesNoIstioRevisionLabelSoIstiodNeverPatchesIt() {
    var mwc = render("canary", null, FailurePolicy.Fail, SERVICE);
    assertThat(mwc.getMetadata().getLabels()).doesNotContainKey("istio.io/rev")
        .containsEntry("app.kubernetes.io/managed-by", "mesh-operator")
        .containsEntry("meshoperator.dev/install", "mi");
  }

  @Test
  void failurePolicyComesFromTheSpecOrElseTheOperatorDefault() {
    assertThat(render(null, null, FailurePolicy.Ignore, SERVICE).getWebhooks())
        .allSatisfy(w -> assertThat(w.getFailurePolicy()).isEqualTo("Ignore"));
    assertThat(render(null, FailurePolicy.Fail, FailurePolicy.Ignore, SERVICE).getWebhooks())
        .allSatisfy(w -> assertThat(w.getFailurePolicy()).isEqualTo("Fail"));
  }

  @Test
  void everyEntryIsSideEffectFreeReinvokedIfNeededAndCarriesTheCaBundle() {
    var mwc = render(null, null, FailurePolicy.Fail, WebhookEndpoint.url("https://127.0.0.1:9443/"));
    assertThat(mwc.getWebhooks()).allSatisfy(w -> {
      assertThat(w.getSideEffects()).isEqualTo("None");
      assertThat(w.getReinvocationPolicy()).isEqualTo("IfNeeded");
      assertThat(w.getTimeoutSeconds()).isEqualTo(10);
      assertThat(w.getAdmissionReviewVersions()).isEqualTo(List.of("v1"));
      assertThat(w.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:9443/inject");
      assertThat(new String(Base64.getDecoder().decode(w.getClientConfig().getCaBundle()), StandardCharsets.UTF_8))
          .isEqualTo("PEM");
      assertThat(w.getRules()).singleElement().satisfies(r -> {
        assertThat(r.getOperations()).containsExactly("CREATE");
        assertThat(r.getResources()).containsExactly("pods");
      });
    });
  }

  @Test
  void aDisabledInjectorRendersNoConfiguration() {
    var spec = new MeshInstallSpec();
    var injector = new SidecarInjectorSpec();
    injector.setEnabled(false);
    spec.setSidecarInjector(injector);
    assertThat(new InjectorWebhookRenderer(SERVICE, Optional::empty, FailurePolicy.Fail)
        .render(Profiles.resolve("mi", spec))).isEmpty();
  }

  @Test
  void theOperatorsOwnNamespaceIsExcludedLikeKubeSystem() {
    var spec = new MeshInstallSpec();
    spec.setRevision("canary");
    var mwc = (MutatingWebhookConfiguration) new InjectorWebhookRenderer(WebhookEndpoint.url("https://127.0.0.1:9443"),
        () -> Optional.of("PEM"), FailurePolicy.Fail, Optional.of("ops"))
        .render(Profiles.resolve("mi", spec)).get(0);
    assertThat(mwc.getWebhooks()).isNotEmpty().allSatisfy(w -> assertThat(describe(w.getNamespaceSelector()))
        .contains("kubernetes.io/metadata.name NotIn [kube-system, kube-public, kube-node-lease, istio-system, ops]"));
  }
}
