package dev.meshoperator.reconcile;

import dev.meshoperator.api.AddonSpec;
import dev.meshoperator.api.AddonsSpec;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RemoteSpec;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The operator's RBAC, derived rather than written by hand: what the operator does itself (watch,
 * apply and prune every {@link ManagedKinds} kind, its MeshInstalls, Events, pods, permission
 * checks) plus every rule of every Role and ClusterRole the renderer produces for any profile and
 * addon. Kubernetes lets a user create or bind a role only when the user holds each of its rules
 * (RBAC's escalation check), so holding the rendered rules replaces {@code escalate} and
 * {@code bind}. deploy/02-rbac.yaml and the Helm chart are generated from this class.
 */
public final class OperatorRbac {
  /** Verbs in the order kubectl and this project's YAML write them. */
  private static final List<String> VERB_ORDER = List.of("get", "list", "watch", "create", "update", "patch", "delete");
  private static final Set<String> MANAGE = Set.of("get", "list", "watch", "create", "update", "patch", "delete");
  /** Verbs that grant more than they name; never held by the operator. */
  public static final Set<String> FORBIDDEN_VERBS = Set.of("*", "escalate", "bind", "impersonate");

  /** One (group, resource) and the verbs held on it. */
  public record Grant(String group, String resource, Set<String> verbs) {}

  private OperatorRbac() {}

  /** The operator's ClusterRole rules: its own needs and the union of the rendered roles' rules. */
  public static List<PolicyRule> clusterRules() {
    Map<String, Set<String>> flat = new TreeMap<>();
    ownClusterNeeds().forEach((k, v) -> flat.computeIfAbsent(k, x -> new TreeSet<>()).addAll(v));
    flatten(renderedRules()).forEach((k, v) -> flat.computeIfAbsent(k, x -> new TreeSet<>()).addAll(v));
    return group(flat);
  }

  /**
   * Rules of the Role in the operator's own namespace: the webhook certificate Secret and, with
   * leader election, the Lease. (The ClusterRole also holds these through the rendered roles; the
   * Role states the operator's own needs on their own, so they survive any change to the renderer.)
   */
  public static List<PolicyRule> namespaceRules(boolean leaderElection) {
    Map<String, Set<String>> flat = new TreeMap<>();
    flat.put(key("", "secrets"), Set.of("get", "list", "watch", "create", "update", "patch"));
    if (leaderElection) {
      // The lock reads, creates and renews the Lease; it never lists, watches or deletes it.
      flat.put(key("coordination.k8s.io", "leases"), Set.of("get", "create", "update"));
    }
    return group(flat);
  }

  /** What the operator itself does, cluster-wide, as "group/resource" to verbs. */
  static Map<String, Set<String>> ownClusterNeeds() {
    Map<String, Set<String>> own = new TreeMap<>();
    // The primary resource: watched, finalizer added and removed, never created or deleted.
    own.put(key("meshoperator.dev", "meshinstalls"), Set.of("get", "list", "watch", "patch", "update"));
    own.put(key("meshoperator.dev", "meshinstalls/status"), Set.of("get", "patch", "update"));
    // Owner references with blockOwnerDeletion on a MeshInstall (OwnerReferencesPermissionEnforcement).
    own.put(key("meshoperator.dev", "meshinstalls/finalizers"), Set.of("update"));
    for (ManagedKind kind : ManagedKinds.ALL) {
      // Watched for drift, applied, pruned and uninstalled.
      own.put(key(HasMetadata.getGroup(kind.type()), HasMetadata.getPlural(kind.type())), MANAGE);
    }
    own.put(key("", "pods"), Set.of("get", "list", "watch"));
    // spec.updateStrategy.updateWorkloads (WorkloadMover): a pod's ReplicaSet leads to its
    // Deployment (a managed kind, patch held already); StatefulSets and DaemonSets are read and
    // restarted by a patch of their pod template's annotations, as kubectl rollout restart does
    // (DaemonSets are also a managed kind, istio-cni's, whose verbs include these).
    own.put(key("apps", "replicasets"), Set.of("get"));
    own.put(key("apps", "statefulsets"), Set.of("get", "patch"));
    own.merge(key("apps", "daemonsets"), Set.of("get", "patch"), OperatorRbac::union);
    own.put(key("", "events"), Set.of("create", "patch"));
    own.put(key("authorization.k8s.io", "selfsubjectaccessreviews"), Set.of("create"));
    return own;
  }

  /**
   * Every rule of every Role and ClusterRole rendered for any profile, with every addon and CNI on and
   * with a revision (names differ, rules do not, but it costs nothing to be sure).
   */
  public static List<PolicyRule> renderedRules() {
    Renderer renderer = new Renderer();
    List<PolicyRule> rules = new ArrayList<>();
    for (Profile profile : Profile.values()) {
      for (String revision : new String[] {null, "canary"}) {
        for (HasMetadata object : renderer.render(Profiles.resolve("rbac", everything(profile, revision)))) {
          if (object instanceof ClusterRole role && role.getRules() != null) {
            rules.addAll(role.getRules());
          } else if (object instanceof Role role && role.getRules() != null) {
            rules.addAll(role.getRules());
          }
        }
      }
    }
    return rules;
  }

  private static MeshInstallSpec everything(Profile profile, String revision) {
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(profile);
    spec.setRevision(revision);
    if (profile == Profile.REMOTE) {
      RemoteSpec remote = new RemoteSpec();
      remote.setAddress("192.0.2.10");
      spec.setRemote(remote);
    }
    AddonsSpec addons = new AddonsSpec();
    addons.setPrometheus(enabled());
    addons.setGrafana(enabled());
    spec.setAddons(addons);
    // Istio CNI's ClusterRoles, too (off in every profile, so switched on here).
    dev.meshoperator.api.Components components = new dev.meshoperator.api.Components();
    dev.meshoperator.api.CniSpec cni = new dev.meshoperator.api.CniSpec();
    cni.setEnabled(true);
    components.setCni(cni);
    spec.setComponents(components);
    return spec;
  }

  private static AddonSpec enabled() {
    AddonSpec addon = new AddonSpec();
    addon.setEnabled(true);
    return addon;
  }

  /** Rules as "group/resource" to verbs (one entry per group and resource a rule names). */
  public static Map<String, Set<String>> flatten(List<PolicyRule> rules) {
    Map<String, Set<String>> flat = new TreeMap<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          flat.computeIfAbsent(key(group, resource), k -> new TreeSet<>()).addAll(rule.getVerbs());
        }
      }
    }
    return flat;
  }

  /** The same grants, one entry per (group, resource). */
  public static List<Grant> grants(List<PolicyRule> rules) {
    return flatten(rules).entrySet().stream().map(e -> {
      int slash = e.getKey().indexOf('/');
      return new Grant(e.getKey().substring(0, slash), e.getKey().substring(slash + 1), e.getValue());
    }).toList();
  }

  private static String key(String group, String resource) {
    return group + "/" + resource;
  }

  /** Compact rules: per API group, the resources with identical verbs share one rule. */
  private static List<PolicyRule> group(Map<String, Set<String>> flat) {
    Map<String, Map<List<String>, List<String>>> byGroup = new TreeMap<>();
    flat.forEach((key, verbs) -> {
      int slash = key.indexOf('/');
      byGroup.computeIfAbsent(key.substring(0, slash), g -> new LinkedHashMap<>())
          .computeIfAbsent(ordered(verbs), v -> new ArrayList<>())
          .add(key.substring(slash + 1));
    });
    List<PolicyRule> rules = new ArrayList<>();
    byGroup.forEach((group, byVerbs) -> byVerbs.entrySet().stream()
        .sorted(Comparator.comparing(e -> e.getValue().get(0)))
        .forEach(e -> rules.add(new PolicyRuleBuilder()
            .withApiGroups(group)
            .withResources(e.getValue().stream().sorted().toList())
            .withVerbs(e.getKey())
            .build())));
    return rules;
  }

  private static List<String> ordered(Set<String> verbs) {
    List<String> out = new ArrayList<>(VERB_ORDER.stream().filter(verbs::contains).toList());
    verbs.stream().filter(v -> !VERB_ORDER.contains(v)).sorted().forEach(out::add);
    return out;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }
}
