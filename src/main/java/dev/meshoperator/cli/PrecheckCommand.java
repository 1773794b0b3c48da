package dev.meshoperator.cli;

import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.VersionInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl precheck}: can the operator be installed here and work? The server version, the
 * permissions deploy/'s RBAC grants (whoever installs must hold them: RBAC refuses to grant more
 * than one has), and what would fight our injector: an Istio of someone else's, a second
 * injector, webhooks selecting the same namespaces.
 */
@Command(name = "precheck", mixinStandardHelpOptions = true,
    description = {"Check that the current cluster can run mesh-operator: version, permissions, conflicting Istio or injectors.",
        "Exit 1 when any check FAILs."},
    footer = {"", "Examples:", "  meshctl precheck", "  meshctl precheck -o json", "  meshctl x precheck          # istioctl's spelling, the same command"})
final class PrecheckCommand implements Callable<Integer> {
  static final int MIN_MINOR = 28;
  static final int NATIVE_SIDECARS_GA_MINOR = 33;
  static final String ISTIO_INJECTOR = "istio-sidecar-injector";
  private static final Set<String> SELECTOR_KEYS = Set.of(Labels.ISTIO_REV, "istio-injection");

  enum Result { OK, WARN, FAIL }

  record Check(String name, Result result, String detail, String advice) {}

  @Spec
  CommandSpec command;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), yaml or json.")
  OutputFormat output = OutputFormat.TABLE;

  @Override
  public Integer call() {
    List<Check> checks = new ArrayList<>();
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      checks.add(version(cluster.requireReachable()));
      checks.add(permissions(cluster, "cluster permissions", BundledManifests.clusterRules(), null));
      checks.add(permissions(cluster, "namespace permissions", BundledManifests.namespaceRules(), BundledManifests.OPERATOR_NAMESPACE));
      List<MutatingWebhookConfiguration> webhooks = cluster.call("list MutatingWebhookConfigurations",
          () -> cluster.client().admissionRegistration().v1().mutatingWebhookConfigurations().list().getItems())
          .stream().filter(w -> !ours(w)).toList();
      checks.add(istiod(cluster));
      checks.add(istioCrds(cluster));
      checks.add(injectors(webhooks));
      checks.add(overlappingSelectors(webhooks));
    }
    PrintWriter out = command.commandLine().getOut();
    switch (output) {
      case JSON -> out.println(Yaml.json(checks));
      case YAML -> out.print(Yaml.yaml(checks));
      default -> {
        Table table = new Table("CHECK", "RESULT", "DETAIL", "ADVICE");
        checks.forEach(c -> table.row(c.name(), c.result().name(), c.detail(), c.advice()));
        table.print(out);
      }
    }
    List<String> failed = checks.stream().filter(c -> c.result() == Result.FAIL).map(Check::name).toList();
    if (!failed.isEmpty()) {
      throw CliException.failure("precheck failed: " + String.join(", ", failed), "follow the ADVICE of each FAIL above");
    }
    if (output == OutputFormat.TABLE || output == OutputFormat.TEXT) {
      long warnings = checks.stream().filter(c -> c.result() == Result.WARN).count();
      out.println(warnings == 0 ? "no problems found: install with meshctl install"
          : warnings + " warning(s); install is possible, read the advice first");
    }
    return ExitCodes.OK;
  }

  static Check version(VersionInfo v) {
    int major = ClusterMeshInstalls.leadingInt(v.getMajor());
    int minor = ClusterMeshInstalls.leadingInt(v.getMinor());
    String text = v.getGitVersion() != null ? v.getGitVersion() : v.getMajor() + "." + v.getMinor();
    if (major < 1 || (major == 1 && minor < MIN_MINOR)) {
      return new Check("kubernetes version", Result.FAIL, text + " is older than 1." + MIN_MINOR,
          "upgrade the cluster to Kubernetes 1." + MIN_MINOR + " or later");
    }
    boolean nativeGa = major > 1 || minor >= NATIVE_SIDECARS_GA_MINOR;
    return new Check("kubernetes version", Result.OK, text + (nativeGa ? " (native sidecars GA)" : " (native sidecars beta)"),
        nativeGa ? "none" : "native sidecars are GA from 1." + NATIVE_SIDECARS_GA_MINOR + "; set sidecarInjector.nativeSidecar if yours are off");
  }

  /** One SelfSubjectAccessReview per verb and resource of the rules: all must be allowed. */
  private static Check permissions(ClusterConnection cluster, String name, List<PolicyRule> rules, String namespace) {
    List<String> denied = new ArrayList<>();
    int asked = 0;
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          String[] parts = resource.split("/", 2);
          for (String verb : rule.getVerbs()) {
            asked++;
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                .withGroup(group).withResource(parts[0]).withSubresource(parts.length > 1 ? parts[1] : null)
                .withVerb(verb).withNamespace(namespace).endResourceAttributes().endSpec().build();
            SelfSubjectAccessReview answer = cluster.call("create a SelfSubjectAccessReview",
                () -> cluster.client().authorization().v1().selfSubjectAccessReview().create(review));
            if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
              denied.add(verb + " " + (group.isEmpty() ? "" : group + "/") + resource);
            }
          }
        }
      }
    }
    String where = namespace == null ? "cluster-wide" : "in namespace " + namespace;
    if (denied.isEmpty()) {
      return new Check(name, Result.OK, "all " + asked + " verbs the operator needs " + where + " are allowed", "none");
    }
    return new Check(name, Result.FAIL, denied.size() + " of " + asked + " denied " + where + ": "
        + String.join(", ", denied.subList(0, Math.min(5, denied.size()))) + (denied.size() > 5 ? ", ..." : ""),
        "install as a cluster admin: RBAC grants only what the installer holds");
  }

  private static Check istiod(ClusterConnection cluster) {
    List<String> found = cluster.call("list Deployments", () -> cluster.client().apps().deployments().inAnyNamespace()
            .withLabel("app", "istiod").list().getItems()).stream()
        .filter(d -> !ours(d)).map(d -> d.getMetadata().getNamespace() + "/" + d.getMetadata().getName()).toList();
    if (found.isEmpty()) {
      return new Check("existing istiod", Result.OK, "no istiod but ours", "none");
    }
    return new Check("existing istiod", Result.FAIL, "istiod not managed by mesh-operator: " + String.join(", ", found),
        "uninstall that Istio first (istioctl uninstall --purge, or helm uninstall istiod)");
  }

  private static Check istioCrds(ClusterConnection cluster) {
    List<CustomResourceDefinition> foreign = cluster.call("list CustomResourceDefinitions",
            () -> cluster.client().apiextensions().v1().customResourceDefinitions().list().getItems()).stream()
        .filter(c -> c.getSpec().getGroup().endsWith("istio.io") && !ours(c)).toList();
    if (foreign.isEmpty()) {
      return new Check("istio CRDs", Result.OK, "none owned by someone else", "none");
    }
    Map<String, String> labels = foreign.get(0).getMetadata().getLabels();
    String owner = labels == null ? null : labels.get(Labels.MANAGED_BY);
    return new Check("istio CRDs", Result.WARN, foreign.size() + " Istio CRDs not managed by mesh-operator (e.g. "
            + foreign.get(0).getMetadata().getName() + (owner == null ? "" : ", managed by " + owner) + ")",
        "the base component will take them over; remove them or disable base if another tool must keep them");
  }

  private static Check injectors(List<MutatingWebhookConfiguration> webhooks) {
    List<String> found = webhooks.stream().filter(w -> w.getMetadata().getName().startsWith(ISTIO_INJECTOR)
            || hooks(w).anyMatch(h -> h.getName().endsWith("sidecar-injector.istio.io")))
        .map(w -> w.getMetadata().getName()).toList();
    if (found.isEmpty()) {
      return new Check("other sidecar injectors", Result.OK, "none", "none");
    }
    return new Check("other sidecar injectors", Result.FAIL, "MutatingWebhookConfiguration " + String.join(", ", found)
            + " injects Istio sidecars too",
        "pods would get two injectors: remove it (kubectl delete mutatingwebhookconfiguration " + found.get(0) + ")");
  }

  private static Check overlappingSelectors(List<MutatingWebhookConfiguration> webhooks) {
    List<String> found = new ArrayList<>();
    for (MutatingWebhookConfiguration w : webhooks) {
      hooks(w).filter(h -> matchesPodCreate(h) && selectsOnIstioLabels(h.getNamespaceSelector()))
          .forEach(h -> found.add(w.getMetadata().getName() + "/" + h.getName()));
    }
    if (found.isEmpty()) {
      return new Check("overlapping webhooks", Result.OK, "no other webhook selects namespaces by istio-injection or istio.io/rev", "none");
    }
    return new Check("overlapping webhooks", Result.WARN, "also mutate pods of namespaces selected by istio-injection/istio.io/rev: "
            + String.join(", ", found),
        "check they do not touch the sidecar; our injector re-runs after them (reinvocationPolicy IfNeeded)");
  }

  private static Stream<MutatingWebhook> hooks(MutatingWebhookConfiguration w) {
    return w.getWebhooks() == null ? Stream.empty() : w.getWebhooks().stream();
  }

  static boolean matchesPodCreate(MutatingWebhook hook) {
    if (hook.getRules() == null) {
      return false;
    }
    for (RuleWithOperations r : hook.getRules()) {
      boolean group = r.getApiGroups() != null && (r.getApiGroups().contains("") || r.getApiGroups().contains("*"));
      boolean resource = r.getResources() != null && (r.getResources().contains("pods") || r.getResources().contains("*")
          || r.getResources().contains("*/*"));
      boolean create = r.getOperations() != null && (r.getOperations().contains("CREATE") || r.getOperations().contains("*"));
      if (group && resource && create) {
        return true;
      }
    }
    return false;
  }

  static boolean selectsOnIstioLabels(LabelSelector selector) {
    if (selector == null) {
      return false;
    }
    boolean byLabels = selector.getMatchLabels() != null && selector.getMatchLabels().keySet().stream().anyMatch(SELECTOR_KEYS::contains);
    // DoesNotExist on our keys means "namespaces we leave alone": no overlap.
    boolean byExpressions = selector.getMatchExpressions() != null && selector.getMatchExpressions().stream()
        .anyMatch(e -> SELECTOR_KEYS.contains(e.getKey()) && !"DoesNotExist".equals(e.getOperator()));
    return byLabels || byExpressions;
  }

  private static boolean ours(HasMetadata o) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels != null && Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY));
  }
}
