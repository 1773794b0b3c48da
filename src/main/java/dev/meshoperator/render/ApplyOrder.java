package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Kinds in the order an applier should create them: definitions and identities before what uses
 * them, workloads before what scales or protects them. Unknown kinds go last.
 *
 * <p>The kinds come in {@linkplain #steps steps}: objects of one step do not need each other, so an
 * applier may apply them at once; a step starts when the one before it has been applied. What each
 * boundary keeps:
 * <ol>
 *   <li>CustomResourceDefinitions, ServiceAccounts, ClusterRoles, Roles, ConfigMaps, Secrets: none
 *       refers to another's existence (a rule may name a resource not defined yet; only custom
 *       resources need their CRD, and those are unknown kinds, last).
 *   <li>ClusterRoleBindings, RoleBindings, Services, EndpointSlices: a binding after its role, since
 *       the API server checks the role's rules against the binder's (the operator has no {@code
 *       bind} verb) and refuses a binding to a role that does not exist yet.
 *   <li>Deployments, DaemonSets: after their ServiceAccounts, RBAC, ConfigMaps, Secrets and
 *       Services, so pods start with their identity, permissions, configuration and Service
 *       environment in place.
 *   <li>HorizontalPodAutoscalers, PodDisruptionBudgets: after the workloads they scale or protect.
 *   <li>MutatingWebhookConfiguration, alone: injection starts once the control plane exists.
 *   <li>ValidatingWebhookConfigurations, alone and last: validation by istiod once it exists.
 * </ol>
 * An unknown kind is a step of its own per object, in render order (nothing is known about what
 * it needs).
 */
public final class ApplyOrder {
  private static final List<List<String>> STEPS = List.of(
      List.of("CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role", "ConfigMap", "Secret"),
      List.of("ClusterRoleBinding", "RoleBinding", "Service", "EndpointSlice"),
      List.of("Deployment", "DaemonSet"),
      List.of("HorizontalPodAutoscaler", "PodDisruptionBudget"),
      List.of("MutatingWebhookConfiguration"),
      List.of("ValidatingWebhookConfiguration"));

  static final List<String> KINDS = List.of(
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

  /** The step of a kind, or -1 for a kind not listed. */
  static int step(String kind) {
    for (int i = 0; i < STEPS.size(); i++) {
      if (STEPS.get(i).contains(kind)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code objects} (in render order) cut into steps to apply one after another. Within a stretch
   * of the list that is in kind order ({@link #BY_KIND}), objects are grouped by step, each group in
   * the list's order. Where the list leaves kind order (an object put after later kinds on purpose,
   * like the last valid spec's ConfigMap after the webhook configurations), a new stretch starts,
   * so such an object keeps its place after them. Unknown kinds are a group of one each.
   */
  public static List<List<HasMetadata>> steps(List<HasMetadata> objects) {
    List<List<HasMetadata>> groups = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= objects.size(); i++) {
      if (i == objects.size() || rank(objects.get(i)) < rank(objects.get(i - 1))) {
        groups.addAll(stepsOfSorted(objects.subList(start, i)));
        start = i;
      }
    }
    return List.copyOf(groups);
  }

  private static List<List<HasMetadata>> stepsOfSorted(List<HasMetadata> stretch) {
    java.util.SortedMap<Integer, List<HasMetadata>> byStep = new java.util.TreeMap<>();
    List<List<HasMetadata>> unknown = new ArrayList<>();
    for (HasMetadata object : stretch) {
      int step = step(object.getKind());
      if (step < 0) {
        unknown.add(List.of(object));
      } else {
        byStep.computeIfAbsent(step, s -> new ArrayList<>()).add(object);
      }
    }
    List<List<HasMetadata>> groups = new ArrayList<>();
    byStep.values().forEach(g -> groups.add(List.copyOf(g)));
    groups.addAll(unknown);
    return groups;
  }
}
