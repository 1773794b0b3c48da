package dev.meshoperator.reconcile;

import dev.meshoperator.api.WebhookStatus;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.render.LastValidSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
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

  /** Namespaces whose labels select any of {@code labels} (a revision and its tags; "default" for istio-injection=enabled). */
  static List<String> namespaces(Collection<Namespace> all, java.util.Set<String> labels) {
    return all.stream()
        .filter(ns -> labels.stream().anyMatch(l -> selects(ns.getMetadata().getLabels(),
            Revision.of(l.equals(Revision.DEFAULT.label()) ? "" : l))))
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

  /**
   * The webhook part of the status while the spec is invalid: nothing is applied, and the injector
   * keeps serving the last valid settings when it has them (the webhook does the same lookup).
   */
  static WebhookStatus whileInvalid(WebhookStatus current, Optional<ConfigMap> lastValid) {
    WebhookStatus status = new WebhookStatus();
    if (current != null) {
      status.setConfigurationName(current.getConfigurationName());
      status.setState(current.getState());
    }
    if (lastValid.isPresent()) {
      String generation = LastValidSpec.generation(lastValid.get()).map(g -> " (generation " + g + ")").orElse("");
      status.setMessage("the spec is invalid: the injector serves the last valid settings" + generation
          + " from ConfigMap " + lastValid.get().getMetadata().getNamespace() + "/"
          + lastValid.get().getMetadata().getName() + " until the spec is fixed; each injected pod gets a warning");
    } else {
      if (status.getConfigurationName() == null) {
        status.setState("Disabled");
        status.setMessage("the spec is invalid and was never valid with the injector on: no webhook configuration, "
            + "nothing is injected until the spec is fixed");
      } else {
        status.setState("Error");
        status.setMessage("the spec is invalid and no valid settings of it are kept: the injector cannot serve, so "
            + "the webhook's failurePolicy decides each pod until the spec is fixed");
      }
    }
    return status;
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
