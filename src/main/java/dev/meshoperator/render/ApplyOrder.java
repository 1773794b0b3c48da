package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Comparator;
import java.util.List;

/**
 * Kinds in the order an applier should create them: definitions and identities before what uses
 * them, workloads before what scales or protects them. Unknown kinds go last.
 */
final class ApplyOrder {
  private static final List<String> KINDS = List.of(
      "CustomResourceDefinition",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "RoleBinding",
      "ConfigMap",
      "Secret",
      "Service",
      "EndpointSlice",
      "Deployment",
      "DaemonSet",
      "HorizontalPodAutoscaler",
      "PodDisruptionBudget",
      "MutatingWebhookConfiguration",
      "ValidatingWebhookConfiguration");

  /** Stable: objects of one kind keep the components' order. */
  static final Comparator<HasMetadata> BY_KIND = Comparator.comparingInt(ApplyOrder::rank);

  private ApplyOrder() {}

  static int rank(HasMetadata object) {
    int index = KINDS.indexOf(object.getKind());
    return index < 0 ? KINDS.size() : index;
  }
}
