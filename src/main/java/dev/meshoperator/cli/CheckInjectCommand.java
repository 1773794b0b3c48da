package dev.meshoperator.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "Why is my pod not injected?": the webhook's own decision for each workload in a file, with the
 * rule that made it, or for pods and workloads in the cluster (see {@link ClusterInjectionCheck}).
 * A pod that would be injected but carries an invalid annotation is shown as refused, since the
 * webhook would deny it.
 */
@Command(name = "check-inject", mixinStandardHelpOptions = true,
    description = {
        "Tell whether Pods and workloads get the sidecar, and which rule decided.",
        "In the cluster (the current kubeconfig's): give a kind and name, a kind, or just -n for every pod and "
            + "workload of the namespace; the namespace's labels and the MeshInstall of its revision are read from "
            + "the cluster, and for each pod the SIDECAR column says whether it has one and REASON what to do when "
            + "that disagrees.",
        "In a YAML file (-f): give the labels of the namespace the workload goes to with --namespace-labels."},
    footer = {"", "Examples:",
        "  meshctl check-inject -n shop",
        "  meshctl check-inject pod web-7d4b9c-x2x9z -n shop",
        "  meshctl check-inject deployment/web -n shop -o json",
        "  meshctl check-inject -f deployment.yaml --namespace-labels istio-injection=enabled",
        "  meshctl check-inject -f pod.yaml --namespace-labels istio.io/rev=canary --revision canary -o json"})
final class CheckInjectCommand implements Callable<Integer> {
  static final String INJECTED = "yes";
  static final String SKIPPED = "no";
  static final String REFUSED = "refused";

  @Spec
  CommandSpec command;

  @Parameters(arity = "0..2", paramLabel = "KIND [NAME]",
      description = "In the cluster: pod, deployment, statefulset, daemonset, replicaset, job or cronjob "
          + "(kubectl's short names too), and a name; or KIND/NAME. Default: every pod and workload of the namespace.")
  List<String> target = new ArrayList<>();

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "Pods or workloads, as YAML (- for stdin), instead of the cluster's.")
  String file;

  @Option(names = "--namespace-labels", paramLabel = "KEY=VALUE", split = ",",
      description = "With -f: labels of the namespace, e.g. istio-injection=enabled or istio.io/rev=canary.")
  Map<String, String> namespaceLabels = new LinkedHashMap<>();

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "The namespace to look in (default: the kubeconfig's, else default); with -f, for objects that do not name one (default: default).")
  String namespace;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "table (default), json or yaml.")
  OutputFormat output = OutputFormat.TABLE;

  @Mixin
  InjectorSource injector;

  /**
   * One line of the answer; also the JSON shape.
   *
   * @param sidecar for a pod in the cluster: whether it has a sidecar ("yes (rev)", "yes", "no")
   * @param advice for a pod in the cluster whose sidecar disagrees with the decision: what to do
   */
  record Verdict(String kind, String name, String namespace, String inject, String revision, String rule, String reason,
      @JsonInclude(JsonInclude.Include.NON_NULL) String sidecar,
      @JsonInclude(JsonInclude.Include.NON_NULL) String advice) {
    Verdict(String kind, String name, String namespace, String inject, String revision, String rule, String reason) {
      this(kind, name, namespace, inject, revision, rule, reason, null, null);
    }
  }

  @Override
  public Integer call() {
    if (output == OutputFormat.TEXT) {
      output = OutputFormat.TABLE;
    }
    if (file == null) {
      print(clusterVerdicts(), true);
      return ExitCodes.OK;
    }
    if (!target.isEmpty()) {
      throw CliException.usage("-f checks the objects in the file; " + String.join(" ", target) + " names one in the cluster",
          "give either -f FILE or KIND [NAME], not both");
    }
    String input = InputFiles.read(file);
    InjectorSource.Target target = injector.resolve();
    List<Verdict> verdicts = new ArrayList<>();
    for (YamlDocuments.Document doc : YamlDocuments.parse(input).documents()) {
      if (!doc.isEmpty()) {
        verdict(doc, target.settings()).ifPresent(verdicts::add);
      }
    }
    if (verdicts.isEmpty()) {
      throw CliException.failure(file + " holds no Pod or workload",
          "check-inject reads Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs");
    }
    print(verdicts, false);
    return ExitCodes.OK;
  }

  private void print(List<Verdict> verdicts, boolean fromCluster) {
    PrintWriter out = command.commandLine().getOut();
    switch (output) {
      case JSON -> out.println(Yaml.json(verdicts));
      case YAML -> out.print(Yaml.yaml(verdicts));
      default -> {
        if (!fromCluster) {
          Table table = new Table("NAME", "NAMESPACE", "INJECT", "REVISION", "RULE", "REASON");
          verdicts.forEach(v -> table.row(v.kind() + "/" + v.name(), v.namespace(), v.inject(),
              v.revision() == null ? "-" : v.revision(), v.rule(), v.reason()));
          table.print(out);
          return;
        }
        // SIDECAR before REASON, which is long and last; the advice ends the reason's sentence.
        Table table = new Table("NAME", "NAMESPACE", "INJECT", "REVISION", "RULE", "SIDECAR", "REASON");
        verdicts.forEach(v -> table.row(v.kind() + "/" + v.name(), v.namespace(), v.inject(),
            v.revision() == null ? "-" : v.revision(), v.rule(), v.sidecar() == null ? "-" : v.sidecar(),
            v.advice() == null ? v.reason() : v.reason() + "; but " + v.advice()));
        table.print(out);
      }
    }
  }

  private List<Verdict> clusterVerdicts() {
    if (!namespaceLabels.isEmpty()) {
      throw CliException.usage("--namespace-labels is for -f; in the cluster the namespace's own labels count",
          "drop --namespace-labels, or check a file with -f");
    }
    injector.requireNoChoice("in the cluster the MeshInstall of the revision the namespace or pod asks for decides");
    String kind = null;
    String name = null;
    if (!target.isEmpty()) {
      String first = target.get(0);
      if (target.size() == 1 && first.contains("/")) {
        name = first.substring(first.indexOf('/') + 1);
        first = first.substring(0, first.indexOf('/'));
      } else if (target.size() == 2) {
        name = target.get(1);
      }
      String given = first;
      kind = ClusterWorkloads.kind(given).orElseThrow(() -> CliException.usage(
          "check-inject does not read '" + given + "'",
          "give pod, deployment, statefulset, daemonset, replicaset, job or cronjob"));
      if (name != null && name.isEmpty()) {
        throw CliException.usage("no name after " + given + "/", "give KIND/NAME, KIND NAME or just KIND");
      }
    }
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      KubernetesClient client = cluster.client();
      String ns = namespace != null ? namespace
          : client.getNamespace() != null ? client.getNamespace() : "default";
      ClusterWorkloads.Snapshot snapshot = ClusterWorkloads.read(client, new ClusterWorkloads.Query(ns, kind, name));
      ClusterInjectionCheck check = new ClusterInjectionCheck(snapshot.namespace(), snapshot.labels(), snapshot.injectors());
      List<Verdict> verdicts = snapshot.objects().stream().map(check::check).toList();
      if (verdicts.isEmpty()) {
        throw CliException.failure("namespace " + ns + " has no " + (kind == null ? "pods or workloads" : kind + "s"),
            "create some first, or check a YAML file with -f");
      }
      return verdicts;
    }
  }

  private Optional<Verdict> verdict(YamlDocuments.Document doc, InjectionSettings settings) {
    JsonNode tree = MeshInstallFiles.parse(file, doc.text());
    Optional<HasMetadata> typed = Workloads.typed(tree.path("apiVersion").asText(), tree.path("kind").asText(), doc.text());
    if (typed.isEmpty()) {
      return Optional.empty();
    }
    HasMetadata object = typed.get();
    Optional<Workloads.WorkloadPod> workload = Workloads.podOf(object);
    String ns = object.getMetadata() != null && object.getMetadata().getNamespace() != null
        ? object.getMetadata().getNamespace() : namespace != null ? namespace : "default";
    String kind = object.getKind();
    String name = Workloads.ref(object).substring(kind.length() + 1);
    if (workload.isEmpty()) {
      return Optional.of(new Verdict(kind, name, ns, SKIPPED, null, "NO_POD_TEMPLATE", "the object has no pod template"));
    }
    Decision d = InjectionPolicy.decide(workload.get().pod(), namespaceLabels, ns, settings);
    if (d.inject()) {
      InjectionResult result = SidecarInjector.inject(workload.get().pod(), ns, settings);
      if (!result.ok()) {
        return Optional.of(new Verdict(kind, name, ns, REFUSED, d.revision(), d.code().name(),
            "would be denied: " + result.message()));
      }
    }
    return Optional.of(new Verdict(kind, name, ns, d.inject() ? INJECTED : SKIPPED, d.revision(), d.code().name(), d.reason()));
  }
}
