package dev.meshoperator.reconcile;

import dev.meshoperator.api.WebhookStatus;
import dev.meshoperator.profile.Revision;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The injection part of an install's status: the state of its webhook configuration, and which
 * namespaces select its revision for injection (Istio's label rules, the same the webhook's
 * selectors encode), so that {@code kubectl get mi -o yaml} answers "where am I injecting?".
 */
final class InjectionReport {
  static final String INJECTION_LABEL = "istio-injection";
  static final String REV_LABEL = "istio.io/rev";

  private InjectionReport() {}

  /** Namespaces whose labels select {@code revision}, sorted by name. */
  static List<String> namespaces(Collection<Namespace> all, Revision revision) {
    return all.stream()
        .filter(ns -> selects(ns.getMetadata().getLabels(), revision))
        .map(ns -> ns.getMetadata().getName())
        .sorted()
        .toList();
  }

  static boolean selects(Map<String, String> labels, Revision revision) {
    if (labels == null) {
      return false;
    }
    String injection = labels.get(INJECTION_LABEL);
    if (injection != null) {
      // istio-injection wins over istio.io/rev: enabled means the default revision, anything else off
      return revision.isDefault() && "enabled".equals(injection);
    }
    return revision.label().equals(labels.get(REV_LABEL));
  }

  /** Disabled without a desired configuration; Ready once the live one carries a CA bundle everywhere. */
  static WebhookStatus webhook(List<HasMetadata> desired, Function<HasMetadata, Optional<HasMetadata>> live) {
    WebhookStatus status = new WebhookStatus();
    Optional<HasMetadata> wanted = desired.stream()
        .filter(MutatingWebhookConfiguration.class::isInstance).findFirst();
    if (wanted.isEmpty()) {
      status.setState("Disabled");
      status.setMessage("spec.sidecarInjector.enabled is false, or no injector serves this install");
      return status;
    }
    status.setConfigurationName(wanted.get().getMetadata().getName());
    Optional<HasMetadata> current = live.apply(wanted.get());
    if (current.isEmpty()) {
      status.setState("Pending");
      status.setMessage("the MutatingWebhookConfiguration is not applied yet");
    } else if (((MutatingWebhookConfiguration) current.get()).getWebhooks().stream()
        .anyMatch(w -> w.getClientConfig() == null || w.getClientConfig().getCaBundle() == null
            || w.getClientConfig().getCaBundle().isEmpty())) {
      status.setState("Pending");
      status.setMessage("waiting for the operator's webhook certificate (caBundle is empty)");
    } else {
      status.setState("Ready");
    }
    return status;
  }
}
