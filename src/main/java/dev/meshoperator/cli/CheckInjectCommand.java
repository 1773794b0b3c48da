package dev.meshoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import picocli.CommandLine.Spec;

/**
 * "Why is my pod not injected?": the webhook's own decision for each workload in a file, with the
 * rule that made it. A pod that would be injected but carries an invalid annotation is shown as
 * refused, since the webhook would deny it.
 */
@Command(name = "check-inject", mixinStandardHelpOptions = true,
    description = {
        "Tell whether each Pod or workload in a YAML file would get the sidecar, and which rule decided.",
        "Give the labels of the namespace the workload goes to with --namespace-labels."},
    footer = {"", "Examples:",
        "  meshctl check-inject -f deployment.yaml --namespace-labels istio-injection=enabled",
        "  meshctl check-inject -f pod.yaml --namespace-labels istio.io/rev=canary --revision canary -o json"})
final class CheckInjectCommand implements Callable<Integer> {
  static final String INJECTED = "yes";
  static final String SKIPPED = "no";
  static final String REFUSED = "refused";

  @Spec
  CommandSpec command;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE", required = true,
      description = "Pods or workloads, as YAML (- for stdin).")
  String file;

  @Option(names = "--namespace-labels", paramLabel = "KEY=VALUE", split = ",",
      description = "Labels of the namespace, e.g. istio-injection=enabled or istio.io/rev=canary.")
  Map<String, String> namespaceLabels = new LinkedHashMap<>();

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "Namespace for objects that do not name one. Default: default.")
  String namespace;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "table (default), json or yaml.")
  OutputFormat output = OutputFormat.TABLE;

  @Mixin
  InjectorSource injector;

  /** One line of the answer; also the JSON shape. */
  record Verdict(String kind, String name, String namespace, String inject, String revision, String rule, String reason) {}

  @Override
  public Integer call() {
    if (output == OutputFormat.TEXT) {
      output = OutputFormat.TABLE;
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
    PrintWriter out = command.commandLine().getOut();
    switch (output) {
      case JSON -> out.println(Yaml.json(verdicts));
      case YAML -> out.print(Yaml.yaml(verdicts));
      default -> {
        Table table = new Table("NAME", "NAMESPACE", "INJECT", "REVISION", "RULE", "REASON");
        verdicts.forEach(v -> table.row(v.kind() + "/" + v.name(), v.namespace(), v.inject(),
            v.revision() == null ? "-" : v.revision(), v.rule(), v.reason()));
        table.print(out);
      }
    }
    return ExitCodes.OK;
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
