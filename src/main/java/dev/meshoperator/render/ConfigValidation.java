package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.IstiodMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Istio config validation (ISTIO-FACTS section 2, webhook configurations): istiod serves
 * {@code /validate}; these ValidatingWebhookConfigurations send it Istio's API objects. They carry
 * {@code istio.io/rev=<rev>} so that istiod, told a validation configuration name, patches their
 * caBundle and flips failurePolicy from Ignore to Fail once it rejects invalid config, exactly as
 * with Istio's charts. We never send a caBundle, and send failurePolicy Ignore only when creating
 * them (see {@code reconcile.InitialOnlyFields}), so istiod and the operator never write the same field.
 * The injector's MutatingWebhookConfiguration carries no such label and istiod's injection
 * patching stays off, so istiod never touches it.
 */
final class ConfigValidation implements ComponentRenderer {
  static final String FAILURE_POLICY_UNTIL_READY = "Ignore";
  private static final List<String> VALIDATED_GROUPS = List.of(
      "security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io");

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    if (config.istiodMode() != IstiodMode.LOCAL) {
      return List.of();
    }
    Map<String, String> labels = Labels.with(Labels.revisioned(config, Labels.COMPONENT_ISTIOD), Map.of("app", "istiod", "istio", "istiod"));
    List<HasMetadata> objects = new ArrayList<>();
    // Objects labelled istio.io/rev=<rev> go to that revision's istiod.
    objects.add(new ValidatingWebhookConfigurationBuilder()
        .withMetadata(Meta.cluster(revisionConfigurationName(config), labels))
        .withWebhooks(webhook(config, "rev.validation.istio.io", new LabelSelectorBuilder()
            .addNewMatchExpression().withKey(Labels.ISTIO_REV).withOperator("In").withValues(config.revision().label()).endMatchExpression()
            .build()))
        .build());
    if (config.revision().isDefault()) {
      // Unlabelled objects go to the default revision (Istio's base chart, defaultRevision "default").
      objects.add(new ValidatingWebhookConfigurationBuilder()
          .withMetadata(Meta.cluster("istiod-default-validator", labels))
          .withWebhooks(webhook(config, "validation.istio.io", null))
          .build());
    }
    return objects;
  }

  /** Istio's name; istiod's VALIDATION_WEBHOOK_CONFIG_NAME (any non-empty value enables patching). */
  static String revisionConfigurationName(EffectiveConfig config) {
    return Base.clusterName(config, "istio-validator");
  }

  private static ValidatingWebhook webhook(EffectiveConfig config, String name, LabelSelector objects) {
    return new ValidatingWebhookBuilder()
        .withName(name)
        .withNewClientConfig()
          .withNewService().withName(config.istiodServiceName()).withNamespace(config.namespace()).withPath("/validate").withPort(443).endService()
        .endClientConfig()
        .withRules(new RuleWithOperationsBuilder()
            .withOperations("CREATE", "UPDATE")
            .withApiGroups(VALIDATED_GROUPS)
            .withApiVersions("*")
            .withResources("*")
            .withScope("*")
            .build())
        .withFailurePolicy(FAILURE_POLICY_UNTIL_READY)
        .withSideEffects("None")
        .withAdmissionReviewVersions("v1")
        .withObjectSelector(objects)
        .build();
  }
}
