package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Optional;

/**
 * Fields the operator sets when it creates an object and then leaves to someone else, as Helm does
 * with Istio's validation webhooks ("failurePolicy: Ignore" only when not upgrading): istiod turns
 * failurePolicy to Fail once its validation works, and that must stay.
 *
 * <p>With server-side apply a field we send is a field we own and take back on every apply, and a
 * field we stop sending is removed if only we own it. So the object is created with these fields
 * by a field manager of their own ({@link #FIELD_MANAGER}), and the operator's regular apply never
 * sends them: the first writer of such a field after creation (istiod's update) simply takes it.
 */
final class InitialOnlyFields {
  static final String FIELD_MANAGER = MeshInstallReconciler.FIELD_MANAGER + "-initial";

  private InitialOnlyFields() {}

  /** The object without its initial-only fields, or empty when it has none. */
  static Optional<HasMetadata> withoutThem(HasMetadata object) {
    if (!(object instanceof ValidatingWebhookConfiguration vwc) || vwc.getWebhooks() == null
        || vwc.getWebhooks().stream().allMatch(w -> w.getFailurePolicy() == null)) {
      return Optional.empty();
    }
    ValidatingWebhookConfiguration copy = Serialization.clone(vwc);
    copy.getWebhooks().forEach(w -> w.setFailurePolicy(null));
    return Optional.of(copy);
  }
}
