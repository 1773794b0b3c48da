package dev.meshoperator.webhook;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.profile.RevisionRole;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The MutatingWebhookConfiguration of one revision's injector, with Istio's selectors so existing
 * labels keep working: {@code istio-injection=enabled} namespaces (default revision), pods labelled
 * {@code sidecar.istio.io/inject=true} in unlabelled namespaces (default revision), and
 * {@code istio.io/rev=R} on a namespace or on a pod in an unlabelled namespace.
 *
 * <p>It carries no {@code istio.io/rev} label, so istiod never patches it (ISTIO-FACTS 6.8).
 * System namespaces and the control plane's own are excluded in the selector itself, so that a
 * failurePolicy of Fail cannot block them while the operator is down.
 */
public final class InjectorWebhookRenderer implements ComponentRenderer {
  public static final String COMPONENT = "sidecar-injector";
  public static final String NAME = "mesh-operator-sidecar-injector";
  static final String TAG_NAME = "mesh-operator-revision-tag-";
  static final String SUFFIX = ".sidecar-injector.meshoperator.dev";
  static final String INJECTION_LABEL = "istio-injection";
  static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
  static final List<String> SYSTEM_NAMESPACES = List.of("kube-system", "kube-public", "kube-node-lease");

  private final WebhookEndpoint endpoint;
  private final Supplier<Optional<String>> caBundlePem;
  private final FailurePolicy defaultFailurePolicy;
  private final Optional<String> operatorNamespace;

  /**
   * @param defaultFailurePolicy used for installs whose spec does not choose one
   */
  public InjectorWebhookRenderer(WebhookEndpoint endpoint, Supplier<Optional<String>> caBundlePem,
      FailurePolicy defaultFailurePolicy) {
    this(endpoint, caBundlePem, defaultFailurePolicy, Optional.empty());
  }

  /**
   * @param operatorNamespace the namespace the operator (the webhook's server) runs in: excluded
   *     like kube-system, so that with failurePolicy Fail the operator's own pods can start while
   *     no replica serves (otherwise a labelled operator namespace could never recover)
   */
  public InjectorWebhookRenderer(WebhookEndpoint endpoint, Supplier<Optional<String>> caBundlePem,
      FailurePolicy defaultFailurePolicy, Optional<String> operatorNamespace) {
    this.endpoint = endpoint;
    this.caBundlePem = caBundlePem;
    this.defaultFailurePolicy = defaultFailurePolicy;
    this.operatorNamespace = operatorNamespace;
  }

  public static String configurationName(Revision revision) {
    return revision.qualify(NAME);
  }

  /** The path the admission server routes to this revision's settings. */
  public static String path(Revision revision) {
    return revision.isDefault() ? "/inject" : "/inject/" + revision.name();
  }

  /** The webhook configuration of revision tag {@code tag}: {@code mesh-operator-revision-tag-<tag>}. */
  public static String tagConfigurationName(String tag) {
    return TAG_NAME + tag;
  }

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    if (!config.injector().enabled()) {
      return List.of();
    }
    Revision rev = config.revision();
    RevisionRole role = config.role();
    List<HasMetadata> configurations = new ArrayList<>();
    // An inactive revision whose label is now a tag of the active one (the default revision left by
    // a switch to RevisionBased) answers nothing under that label: the tag's configuration does.
    boolean ownLabelIsTag = !role.active() && role.tags().contains(rev.label());
    configurations.add(configuration(config, configurationName(rev), ownLabelIsTag ? null : rev.label(),
        path(rev), rev.isDefault() && role.active()));
    if (role.active()) {
      for (String tag : role.tags()) {
        // A tag's path is its own name: the webhook resolves the tag to the active revision per pod,
        // so moving a tag needs no change of this object.
        configurations.add(configuration(config, tagConfigurationName(tag), tag,
            tag.equals(Revision.DEFAULT.label()) ? path(Revision.DEFAULT) : "/inject/" + tag,
            tag.equals(Revision.DEFAULT.label())));
      }
    }
    return configurations;
  }

  /**
   * @param label the istio.io/rev value selected (null: none, a configuration without webhooks)
   * @param defaultSelectors also istio-injection=enabled namespaces and sidecar.istio.io/inject=true pods
   */
  private HasMetadata configuration(EffectiveConfig config, String name, String label, String path,
      boolean defaultSelectors) {
    var clientConfig = endpoint.clientConfig(path, caBundlePem.get().orElse(""));
    List<String> excluded = new ArrayList<>(SYSTEM_NAMESPACES);
    if (!excluded.contains(config.namespace())) {
      excluded.add(config.namespace());
    }
    operatorNamespace.filter(ns -> !excluded.contains(ns)).ifPresent(excluded::add);
    LabelSelectorRequirement notSystem = req(NAMESPACE_NAME_LABEL, "NotIn", excluded);
    LabelSelectorRequirement notOptedOut = req(Labels.SIDECAR_INJECT, "NotIn", List.of("false"));
    LabelSelectorRequirement noInjectionLabel = req(INJECTION_LABEL, "DoesNotExist", List.of());
    LabelSelectorRequirement noRevLabel = req(Labels.ISTIO_REV, "DoesNotExist", List.of());

    List<MutatingWebhook> hooks = new ArrayList<>();
    String failurePolicy = config.injector().failurePolicy().orElse(defaultFailurePolicy).name();
    if (label != null) {
      hooks.add(hook("rev.namespace", config, failurePolicy,
          selector(req(Labels.ISTIO_REV, "In", List.of(label)), noInjectionLabel, notSystem),
          selector(notOptedOut), clientConfig));
      hooks.add(hook("rev.object", config, failurePolicy,
          selector(noInjectionLabel, noRevLabel, notSystem),
          selector(req(Labels.ISTIO_REV, "In", List.of(label)), notOptedOut), clientConfig));
    }
    if (defaultSelectors) {
      hooks.add(hook("namespace", config, failurePolicy,
          selector(req(INJECTION_LABEL, "In", List.of("enabled")), notSystem),
          selector(notOptedOut), clientConfig));
      hooks.add(hook("object", config, failurePolicy,
          selector(noInjectionLabel, noRevLabel, notSystem),
          selector(req(Labels.SIDECAR_INJECT, "In", List.of("true")), noRevLabel), clientConfig));
    }
    return new MutatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(Labels.of(config, COMPONENT))
        .endMetadata()
        .withWebhooks(hooks)
        .build();
  }

  private static MutatingWebhook hook(String prefix, EffectiveConfig config, String failurePolicy,
      LabelSelector namespaces,
      LabelSelector objects, io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig client) {
    return new MutatingWebhookBuilder()
        .withName(prefix + SUFFIX)
        .withClientConfig(client)
        .withRules(new RuleWithOperationsBuilder().withApiGroups("").withApiVersions("v1")
            .withOperations("CREATE").withResources("pods").withScope("Namespaced").build())
        .withNamespaceSelector(namespaces)
        .withObjectSelector(objects)
        .withFailurePolicy(failurePolicy)
        .withTimeoutSeconds(config.injector().timeoutSeconds())
        .withSideEffects("None")
        // IfNeeded: another webhook changing the pod after us gets the proxy re-rendered, and
        // injection is idempotent so a second pass changes nothing when nothing else changed.
        .withReinvocationPolicy("IfNeeded")
        .withMatchPolicy("Equivalent")
        .withAdmissionReviewVersions("v1")
        .build();
  }

  private static LabelSelector selector(LabelSelectorRequirement... requirements) {
    return new LabelSelectorBuilder().withMatchExpressions(requirements).build();
  }

  private static LabelSelectorRequirement req(String key, String operator, List<String> values) {
    return new LabelSelectorRequirement(key, operator, values.isEmpty() ? null : List.copyOf(values));
  }
}
