package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule of "who gets injected", with the sentence check-inject prints. */
class InjectionPolicyTest {

  private static final InjectionSettings DEFAULT = InjectionSettings.defaults();
  private static final InjectionSettings CANARY = DEFAULT.toBuilder().revision("canary").build();
  private static final LabelSelector NEVER_BATCH =
      new LabelSelectorBuilder().addToMatchLabels("kind", "batch").build();
  private static final LabelSelector ALWAYS_WEB = new LabelSelectorBuilder()
      .addNewMatchExpression().withKey("tier").withOperator("In").withValues("web", "edge").endMatchExpression()
      .build();
  private static final InjectionSettings SELECTORS = DEFAULT.toBuilder()
      .neverInjectSelector(List.of(new LabelSelector(), NEVER_BATCH))
      .alwaysInjectSelector(List.of(ALWAYS_WEB))
      .build();

  record Row(String name, InjectionSettings settings, String namespace, Map<String, String> nsLabels,
      Map<String, String> podLabels, Map<String, String> podAnnotations, boolean hostNetwork,
      DecisionCode code, String revision, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> rows() {
    Map<String, String> enabled = Map.of("istio-injection", "enabled");
    return Stream.of(
        row("enabled namespace injects default", DEFAULT, "prod", enabled, Map.of(), Map.of(), false,
            DecisionCode.NAMESPACE_ENABLED, "default",
            "namespace label istio-injection=enabled selects the default revision"),
        row("disabled namespace wins over pod label", DEFAULT, "prod",
            Map.of("istio-injection", "disabled"), Map.of("sidecar.istio.io/inject", "true"), Map.of(), false,
            DecisionCode.NAMESPACE_DISABLED, null,
            "namespace label istio-injection=disabled turns injection off for every pod in the namespace"),
        row("disabled namespace wins over namespace rev", DEFAULT, "prod",
            Map.of("istio-injection", "disabled", "istio.io/rev", "default"), Map.of(), Map.of(), false,
            DecisionCode.NAMESPACE_DISABLED, null,
            "namespace label istio-injection=disabled turns injection off for every pod in the namespace"),
        row("odd istio-injection value is off", DEFAULT, "prod", Map.of("istio-injection", "true"),
            Map.of(), Map.of(), false, DecisionCode.NAMESPACE_DISABLED, null,
            "namespace label istio-injection=true is not \"enabled\", so injection is off for every pod in the namespace"),
        row("unlabelled namespace and pod", DEFAULT, "prod", Map.of(), Map.of("app", "x"), Map.of(), false,
            DecisionCode.NOT_SELECTED, null,
            "nothing selects the pod: the namespace has neither istio-injection=enabled nor istio.io/rev and the pod has neither sidecar.istio.io/inject=true nor istio.io/rev"),
        row("pod label true opts in", DEFAULT, "prod", Map.of(), Map.of("sidecar.istio.io/inject", "true"),
            Map.of(), false, DecisionCode.POD_LABEL_TRUE, "default",
            "pod label sidecar.istio.io/inject=true selects the default revision"),
        row("pod annotation true cannot opt in", DEFAULT, "prod", Map.of(), Map.of(),
            Map.of("sidecar.istio.io/inject", "true"), false, DecisionCode.NOT_SELECTED, null,
            "nothing selects the pod: the namespace has neither istio-injection=enabled nor istio.io/rev and the pod has neither sidecar.istio.io/inject=true nor istio.io/rev"),
        row("pod label false opts out", DEFAULT, "prod", enabled, Map.of("sidecar.istio.io/inject", "false"),
            Map.of(), false, DecisionCode.POD_LABEL_FALSE, null,
            "pod label sidecar.istio.io/inject=false opts the pod out"),
        row("pod annotation false opts out", DEFAULT, "prod", enabled, Map.of(),
            Map.of("sidecar.istio.io/inject", "false"), false, DecisionCode.POD_ANNOTATION_FALSE, "default",
            "pod annotation sidecar.istio.io/inject=false opts the pod out"),
        row("label true beats annotation false", DEFAULT, "prod", enabled,
            Map.of("sidecar.istio.io/inject", "true"), Map.of("sidecar.istio.io/inject", "false"), false,
            DecisionCode.NAMESPACE_ENABLED, "default",
            "namespace label istio-injection=enabled selects the default revision"),
        row("label no beats annotation true", DEFAULT, "prod", enabled,
            Map.of("sidecar.istio.io/inject", "no"), Map.of("sidecar.istio.io/inject", "true"), false,
            DecisionCode.POD_LABEL_FALSE, "default", "pod label sidecar.istio.io/inject=no opts the pod out"),
        row("unrecognised label value opts out", DEFAULT, "prod", enabled,
            Map.of("sidecar.istio.io/inject", "maybe"), Map.of(), false, DecisionCode.POD_LABEL_FALSE, "default",
            "pod label sidecar.istio.io/inject=maybe is not a true value (true, yes, y, on), so it opts the pod out"),
        row("hostNetwork never", DEFAULT, "prod", enabled, Map.of("sidecar.istio.io/inject", "true"),
            Map.of(), true, DecisionCode.HOST_NETWORK, null,
            "pod uses hostNetwork; a sidecar would capture the node's traffic, so hostNetwork pods are never injected"),
        row("kube-system never", DEFAULT, "kube-system", enabled, Map.of(), Map.of(), false,
            DecisionCode.SYSTEM_NAMESPACE, null,
            "namespace kube-system is a system namespace; pods there are never injected"),
        row("kube-public never", DEFAULT, "kube-public", enabled, Map.of(), Map.of(), false,
            DecisionCode.SYSTEM_NAMESPACE, null,
            "namespace kube-public is a system namespace; pods there are never injected"),
        row("kube-node-lease never", DEFAULT, "kube-node-lease", enabled, Map.of(), Map.of(), false,
            DecisionCode.SYSTEM_NAMESPACE, null,
            "namespace kube-node-lease is a system namespace; pods there are never injected"),
        row("control-plane namespace never", DEFAULT, "istio-system", enabled,
            Map.of("sidecar.istio.io/inject", "true"), Map.of(), false, DecisionCode.CONTROL_PLANE_NAMESPACE, null,
            "namespace istio-system is the control-plane namespace; pods there are never injected"),
        row("other control-plane namespace", DEFAULT.toBuilder().controlPlaneNamespace("mesh").build(), "mesh",
            enabled, Map.of(), Map.of(), false, DecisionCode.CONTROL_PLANE_NAMESPACE, null,
            "namespace mesh is the control-plane namespace; pods there are never injected"),
        row("namespace rev selects canary", CANARY, "prod", Map.of("istio.io/rev", "canary"), Map.of(),
            Map.of(), false, DecisionCode.NAMESPACE_REVISION, "canary",
            "namespace label istio.io/rev=canary selects revision canary"),
        row("namespace rev canary is not default's", DEFAULT, "prod", Map.of("istio.io/rev", "canary"),
            Map.of(), Map.of(), false, DecisionCode.OTHER_REVISION, "canary",
            "namespace label istio.io/rev=canary selects revision canary, not this injector's revision default"),
        row("namespace rev=default is the default revision", DEFAULT, "prod", Map.of("istio.io/rev", "default"),
            Map.of(), Map.of(), false, DecisionCode.NAMESPACE_REVISION, "default",
            "namespace label istio.io/rev=default selects revision default"),
        row("empty revision setting means default", DEFAULT.toBuilder().revision("").build(), "prod",
            Map.of("istio.io/rev", "default"), Map.of(), Map.of(), false, DecisionCode.NAMESPACE_REVISION,
            "default", "namespace label istio.io/rev=default selects revision default"),
        row("pod rev selects canary", CANARY, "prod", Map.of(), Map.of("istio.io/rev", "canary"), Map.of(),
            false, DecisionCode.POD_REVISION, "canary", "pod label istio.io/rev=canary selects revision canary"),
        row("namespace rev beats pod rev", CANARY, "prod", Map.of("istio.io/rev", "stable"),
            Map.of("istio.io/rev", "canary"), Map.of(), false, DecisionCode.OTHER_REVISION, "stable",
            "namespace label istio.io/rev=stable selects revision stable, not this injector's revision canary"),
        row("istio-injection=enabled beats namespace rev", CANARY, "prod",
            Map.of("istio-injection", "enabled", "istio.io/rev", "canary"), Map.of(), Map.of(), false,
            DecisionCode.OTHER_REVISION, "default",
            "namespace label istio-injection=enabled selects the default revision, not this injector's revision canary"),
        row("istio-injection=enabled ignores pod rev", CANARY, "prod", enabled, Map.of("istio.io/rev", "canary"),
            Map.of(), false, DecisionCode.OTHER_REVISION, "default",
            "namespace label istio-injection=enabled selects the default revision (the pod's istio.io/rev=canary is ignored in such a namespace), not this injector's revision canary"),
        row("default injector ignores pod of canary", DEFAULT, "prod", Map.of(), Map.of("istio.io/rev", "canary"),
            Map.of(), false, DecisionCode.OTHER_REVISION, "canary",
            "pod label istio.io/rev=canary selects revision canary, not this injector's revision default"),
        row("never selector skips", SELECTORS, "prod", enabled, Map.of("kind", "batch"), Map.of(), false,
            DecisionCode.NEVER_INJECT_SELECTOR, "default", "pod labels match neverInjectSelector kind=batch"),
        row("empty never selector matches nothing", SELECTORS, "prod", enabled, Map.of("kind", "web"), Map.of(),
            false, DecisionCode.NAMESPACE_ENABLED, "default",
            "namespace label istio-injection=enabled selects the default revision"),
        row("explicit true beats never selector", SELECTORS, "prod", enabled, Map.of("kind", "batch"),
            Map.of("sidecar.istio.io/inject", "true"), false, DecisionCode.POD_OPT_IN_OVERRIDES_NEVER_SELECTOR,
            "default",
            "namespace label istio-injection=enabled selects the default revision; pod annotation sidecar.istio.io/inject=true overrides neverInjectSelector kind=batch"),
        row("never beats always", SELECTORS, "prod", enabled, Map.of("kind", "batch", "tier", "web"), Map.of(),
            false, DecisionCode.NEVER_INJECT_SELECTOR, "default", "pod labels match neverInjectSelector kind=batch"),
        row("always selector named", SELECTORS, "prod", enabled, Map.of("tier", "edge"), Map.of(), false,
            DecisionCode.ALWAYS_INJECT_SELECTOR, "default",
            "namespace label istio-injection=enabled selects the default revision; pod labels match alwaysInjectSelector tier in (web,edge)"));
  }

  private static Arguments row(String name, InjectionSettings s, String ns, Map<String, String> nsLabels,
      Map<String, String> podLabels, Map<String, String> podAnnotations, boolean hostNetwork,
      DecisionCode code, String revision, String reason) {
    return Arguments.of(new Row(name, s, ns, nsLabels, podLabels, podAnnotations, hostNetwork, code,
        revision, reason));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    Pod pod = new PodBuilder()
        .withNewMetadata().withName("p").withLabels(row.podLabels()).withAnnotations(row.podAnnotations()).endMetadata()
        .withNewSpec().withHostNetwork(row.hostNetwork()).addNewContainer().withName("app").endContainer().endSpec()
        .build();

    Decision d = InjectionPolicy.decide(pod, row.nsLabels(), row.namespace(), row.settings());

    assertThat(d.code()).as("code").isEqualTo(row.code());
    assertThat(d.inject()).as("inject").isEqualTo(row.code().inject());
    assertThat(d.reason()).as("reason").isEqualTo(row.reason());
    assertThat(d.revision()).as("revision").isEqualTo(row.revision());
  }

  @Test
  void everyCodeHasARowAndAnInjectVerdict() {
    List<DecisionCode> covered = rows().map(a -> ((Row) a.get()[0]).code()).distinct().toList();
    assertThat(covered).containsExactlyInAnyOrder(DecisionCode.values());
    assertThat(Arrays.stream(DecisionCode.values()).filter(DecisionCode::inject)).isNotEmpty();
  }

  @Test
  void namespaceFromPodWhenNotGiven() {
    Pod pod = new PodBuilder().withNewMetadata().withNamespace("kube-system").endMetadata().build();
    Decision d = InjectionPolicy.decide(pod, Map.of("istio-injection", "enabled"), null, DEFAULT);
    assertThat(d.code()).isEqualTo(DecisionCode.SYSTEM_NAMESPACE);
  }

  @Test
  void metricValueIsLowerSnakeCase() {
    assertThat(DecisionCode.HOST_NETWORK.metricValue()).isEqualTo("host_network");
  }

  @Test
  void requestedRevisionFollowsTheWebhookSelectors() {
    Pod plain = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    Pod canaryPod = new PodBuilder().withNewMetadata().withName("p").addToLabels("istio.io/rev", "canary").endMetadata().build();
    Pod optIn = new PodBuilder().withNewMetadata().withName("p").addToLabels("sidecar.istio.io/inject", "true").endMetadata().build();

    assertThat(InjectionPolicy.requestedRevision(plain, Map.of("istio-injection", "enabled"))).contains("default");
    assertThat(InjectionPolicy.requestedRevision(canaryPod, Map.of("istio-injection", "enabled"))).contains("default");
    assertThat(InjectionPolicy.requestedRevision(plain, Map.of("istio.io/rev", "blue"))).contains("blue");
    assertThat(InjectionPolicy.requestedRevision(canaryPod, Map.of())).contains("canary");
    assertThat(InjectionPolicy.requestedRevision(optIn, null)).contains("default");
    assertThat(InjectionPolicy.requestedRevision(canaryPod, Map.of("istio-injection", "disabled"))).isEmpty();
    assertThat(InjectionPolicy.requestedRevision(plain, Map.of())).isEmpty();
  }
}
