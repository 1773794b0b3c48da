package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Optional;

/**
 * Every kind the renderer (and the webhook integration's renderer) produces, plus the control
 * plane Namespace, in apply order. Uninstall walks them backwards: webhook configurations go first
 * so that no pod creation is sent to an injector that is being removed.
 */
public final class ManagedKinds {
  public static final List<ManagedKind> ALL = List.of(
      new ManagedKind(Namespace.class, false),
      new ManagedKind(CustomResourceDefinition.class, false),
      new ManagedKind(ServiceAccount.class, true),
      new ManagedKind(ClusterRole.class, false),
      new ManagedKind(ClusterRoleBinding.class, false),
      new ManagedKind(Role.class, true),
      new ManagedKind(RoleBinding.class, true),
      new ManagedKind(ConfigMap.class, true),
      new ManagedKind(Secret.class, true),
      new ManagedKind(Service.class, true),
      new ManagedKind(EndpointSlice.class, true),
      new ManagedKind(Deployment.class, true),
      new ManagedKind(DaemonSet.class, true),
      new ManagedKind(HorizontalPodAutoscaler.class, true),
      new ManagedKind(PodDisruptionBudget.class, true),
      new ManagedKind(MutatingWebhookConfiguration.class, false),
      new ManagedKind(ValidatingWebhookConfiguration.class, false));

  private ManagedKinds() {}

  /** The managed kind of an object, matched by apiVersion and kind; empty for kinds we do not watch. */
  public static Optional<ManagedKind> of(HasMetadata object) {
    return ALL.stream()
        .filter(k -> k.kind().equals(object.getKind()) && k.apiVersion().equals(object.getApiVersion()))
        .findFirst();
  }
}
