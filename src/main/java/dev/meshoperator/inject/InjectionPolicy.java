package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.INJECT;
import static dev.meshoperator.inject.IstioKeys.INJECTION_LABEL;
import static dev.meshoperator.inject.IstioKeys.REV_LABEL;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who gets injected, by Istio's rules so that existing labels keep working. Istio splits these
 * between the webhook configuration's selectors (which revision's webhook the API server calls at
 * all) and the injector (explicit opt-outs, never/always selectors); here both halves are one
 * function, so the CLI can answer "why is my pod not injected" without a cluster.
 *
 * <p>Order: absolute exclusions (hostNetwork, system and control-plane namespaces), then the
 * namespace's {@code istio-injection} switch, then which revision the namespace or pod selects,
 * then the pod's own {@code sidecar.istio.io/inject}, then the never/always selectors.
 */
public final class InjectionPolicy {
  private InjectionPolicy() {}

  /** Istio never injects here: cluster plumbing that must keep working when the mesh is broken. */
  public static final Set<String> SYSTEM_NAMESPACES =
      Set.of("kube-system", "kube-public", "kube-node-lease", "local-path-storage");

  private static final Set<String> TRUE_VALUES = Set.of("y", "yes", "true", "on");

  private record Selection(DecisionCode code, String revision, String text) {}

  public static Decision decide(
      Pod pod, Map<String, String> namespaceLabels, String namespace, InjectionSettings s) {
    ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
    Map<String, String> podLabels = meta.getLabels() == null ? Map.of() : meta.getLabels();
    Map<String, String> podAnnotations =
        meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    Map<String, String> nsLabels = namespaceLabels == null ? Map.of() : namespaceLabels;
    String ns = namespace != null ? namespace : meta.getNamespace();

    Optional<Decision> decided = neverInjected(pod, ns, s)
        .or(() -> namespaceSwitchedOff(nsLabels))
        .or(() -> podLabelOptOut(podLabels));
    if (decided.isPresent()) {
      return decided.get();
    }
    Optional<Selection> selected = select(nsLabels.get(INJECTION_LABEL), nsLabels, podLabels);
    if (selected.isEmpty()) {
      return Decision.of(DecisionCode.NOT_SELECTED, null,
          "nothing selects the pod: the namespace has neither " + INJECTION_LABEL + "=enabled nor "
              + REV_LABEL + " and the pod has neither " + INJECT + "=true nor " + REV_LABEL);
    }
    Selection sel = selected.get();
    if (!s.answersTo(sel.revision())) {
      return Decision.of(DecisionCode.OTHER_REVISION, sel.revision(),
          sel.text() + ", not this injector's revision " + s.revisionName());
    }
    return podsOwnChoice(sel, podLabels, podAnnotations, s)
        .orElseGet(() -> bySelectors(sel, podLabels, s));
  }

  /** Absolute exclusions: hostNetwork, system namespaces, the control plane's own namespace. */
  private static Optional<Decision> neverInjected(Pod pod, String ns, InjectionSettings s) {
    if (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
      return Optional.of(Decision.of(DecisionCode.HOST_NETWORK, null,
          "pod uses hostNetwork; a sidecar would capture the node's traffic, so hostNetwork pods are never injected"));
    }
    if (ns != null && SYSTEM_NAMESPACES.contains(ns)) {
      return Optional.of(Decision.of(DecisionCode.SYSTEM_NAMESPACE, null,
          "namespace " + ns + " is a system namespace; pods there are never injected"));
    }
    if (ns != null && ns.equals(s.controlPlaneNamespace())) {
      return Optional.of(Decision.of(DecisionCode.CONTROL_PLANE_NAMESPACE, null,
          "namespace " + ns + " is the control-plane namespace; pods there are never injected"));
    }
    return Optional.empty();
  }

  /** istio-injection set to anything but "enabled" switches the whole namespace off. */
  private static Optional<Decision> namespaceSwitchedOff(Map<String, String> nsLabels) {
    String nsInjection = nsLabels.get(INJECTION_LABEL);
    if (nsInjection == null || nsInjection.equals("enabled")) {
      return Optional.empty();
    }
    return Optional.of(Decision.of(DecisionCode.NAMESPACE_DISABLED, null, nsInjection.equals("disabled")
        ? "namespace label " + INJECTION_LABEL + "=disabled turns injection off for every pod in the namespace"
        : "namespace label " + INJECTION_LABEL + "=" + nsInjection
            + " is not \"enabled\", so injection is off for every pod in the namespace"));
  }

  private static Optional<Decision> podLabelOptOut(Map<String, String> podLabels) {
    if ("false".equals(podLabels.get(INJECT))) {
      return Optional.of(Decision.of(DecisionCode.POD_LABEL_FALSE, null,
          "pod label " + INJECT + "=false opts the pod out"));
    }
    return Optional.empty();
  }

  /**
   * The pod's own sidecar.istio.io/inject (the label wins over the annotation of the same name, even
   * when the label is empty): a false value opts out; a true one beats neverInjectSelector.
   */
  private static Optional<Decision> podsOwnChoice(Selection sel, Map<String, String> podLabels,
      Map<String, String> podAnnotations, InjectionSettings s) {
    String explicitSource = podLabels.containsKey(INJECT) ? "label" : "annotation";
    String explicit = podLabels.containsKey(INJECT) ? podLabels.get(INJECT) : podAnnotations.get(INJECT);
    if (explicit == null || explicit.isEmpty()) {
      return Optional.empty();
    }
    if (!TRUE_VALUES.contains(explicit.toLowerCase(Locale.ROOT))) {
      DecisionCode code = explicitSource.equals("label")
          ? DecisionCode.POD_LABEL_FALSE : DecisionCode.POD_ANNOTATION_FALSE;
      String verdict = explicit.equalsIgnoreCase("false") || explicit.equalsIgnoreCase("no")
          || explicit.equalsIgnoreCase("n") || explicit.equalsIgnoreCase("off")
          ? " opts the pod out"
          : " is not a true value (true, yes, y, on), so it opts the pod out";
      return Optional.of(Decision.of(code, sel.revision(),
          "pod " + explicitSource + " " + INJECT + "=" + explicit + verdict));
    }
    Optional<LabelSelector> never = firstMatch(s.neverInjectSelector(), podLabels);
    if (never.isPresent()) {
      return Optional.of(Decision.of(DecisionCode.POD_OPT_IN_OVERRIDES_NEVER_SELECTOR, sel.revision(),
          sel.text() + "; pod " + explicitSource + " " + INJECT + "=" + explicit
              + " overrides neverInjectSelector " + LabelSelectors.describe(never.get())));
    }
    return Optional.of(Decision.of(sel.code(), sel.revision(), sel.text()));
  }

  /** Without the pod's own word: neverInjectSelector, then alwaysInjectSelector, then the selection. */
  private static Decision bySelectors(Selection sel, Map<String, String> podLabels, InjectionSettings s) {
    Optional<LabelSelector> never = firstMatch(s.neverInjectSelector(), podLabels);
    if (never.isPresent()) {
      return Decision.of(DecisionCode.NEVER_INJECT_SELECTOR, sel.revision(),
          "pod labels match neverInjectSelector " + LabelSelectors.describe(never.get()));
    }
    Optional<LabelSelector> always = firstMatch(s.alwaysInjectSelector(), podLabels);
    if (always.isPresent()) {
      return Decision.of(DecisionCode.ALWAYS_INJECT_SELECTOR, sel.revision(),
          sel.text() + "; pod labels match alwaysInjectSelector " + LabelSelectors.describe(always.get()));
    }
    return Decision.of(sel.code(), sel.revision(), sel.text());
  }

  /**
   * The revision whose injector the namespace's and pod's labels ask for, i.e. whose webhook the
   * API server would call; empty when the namespace switches injection off or nothing selects the
   * pod. Lets a caller that holds several revisions' settings pick the one to {@link #decide} with.
   */
  public static Optional<String> requestedRevision(Pod pod, Map<String, String> namespaceLabels) {
    Map<String, String> nsLabels = namespaceLabels == null ? Map.of() : namespaceLabels;
    String nsInjection = nsLabels.get(INJECTION_LABEL);
    if (nsInjection != null && !nsInjection.equals("enabled")) {
      return Optional.empty();
    }
    Map<String, String> podLabels = pod.getMetadata() == null || pod.getMetadata().getLabels() == null
        ? Map.of() : pod.getMetadata().getLabels();
    return select(nsInjection, nsLabels, podLabels).map(Selection::revision);
  }

  /**
   * Which revision is asked for. As with Istio's webhook selectors: istio-injection=enabled beats
   * a namespace istio.io/rev, a namespace's labels beat the pod's, and a pod label counts only in a
   * namespace without either label.
   */
  private static Optional<Selection> select(
      String nsInjection, Map<String, String> nsLabels, Map<String, String> podLabels) {
    String podRev = podLabels.get(REV_LABEL);
    if ("enabled".equals(nsInjection)) {
      String ignored = podRev != null && !InjectionSettings.normalizeRevision(podRev)
          .equals(InjectionSettings.DEFAULT_REVISION)
          ? " (the pod's " + REV_LABEL + "=" + podRev + " is ignored in such a namespace)"
          : "";
      return Optional.of(new Selection(DecisionCode.NAMESPACE_ENABLED,
          InjectionSettings.DEFAULT_REVISION,
          "namespace label " + INJECTION_LABEL + "=enabled selects the default revision" + ignored));
    }
    String nsRev = nsLabels.get(REV_LABEL);
    if (nsRev != null) {
      String rev = InjectionSettings.normalizeRevision(nsRev);
      return Optional.of(new Selection(DecisionCode.NAMESPACE_REVISION, rev,
          "namespace label " + REV_LABEL + "=" + nsRev + " selects revision " + rev));
    }
    if (podRev != null) {
      String rev = InjectionSettings.normalizeRevision(podRev);
      return Optional.of(new Selection(DecisionCode.POD_REVISION, rev,
          "pod label " + REV_LABEL + "=" + podRev + " selects revision " + rev));
    }
    if ("true".equals(podLabels.get(INJECT))) {
      return Optional.of(new Selection(DecisionCode.POD_LABEL_TRUE,
          InjectionSettings.DEFAULT_REVISION,
          "pod label " + INJECT + "=true selects the default revision"));
    }
    return Optional.empty();
  }

  /** Empty selectors are skipped, as Istio does: an empty entry must not select every pod. */
  private static Optional<LabelSelector> firstMatch(List<LabelSelector> selectors, Map<String, String> labels) {
    return selectors.stream()
        .filter(sel -> !isEmpty(sel))
        .filter(sel -> LabelSelectors.matches(sel, labels))
        .findFirst();
  }

  private static boolean isEmpty(LabelSelector sel) {
    return (sel.getMatchLabels() == null || sel.getMatchLabels().isEmpty())
        && (sel.getMatchExpressions() == null || sel.getMatchExpressions().isEmpty());
  }
}
