package dev.meshoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.IstioKeys;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.util.ArrayList;
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
 * Manual injection: the webhook's decision and mutation applied to the pod templates in a YAML
 * stream. The namespace is taken to select the chosen injector's revision (that is what asking for
 * injection means), so only the pod's own opt-outs, hostNetwork, system namespaces and the
 * never-inject selectors keep a workload from being injected, as with istioctl kube-inject.
 */
@Command(name = "kube-inject", mixinStandardHelpOptions = true,
    description = {
        "Add the sidecar to the Pods and workloads in a YAML stream.",
        "Injects Pods and the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and "
            + "CronJobs; other documents are written back unchanged, byte for byte."},
    footer = {"", "Exit status 1 when an object is refused (an invalid sidecar annotation); the others are still written.",
        "", "Examples:",
        "  meshctl kube-inject -f app.yaml | kubectl apply -f -",
        "  meshctl kube-inject -f app.yaml -o app-injected.yaml --meshinstall mesh.yaml",
        "  meshctl kube-inject -f app.yaml --from-cluster default"})
final class KubeInjectCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE", required = true,
      description = "YAML to inject (- for stdin).")
  String file;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write the result to FILE instead of stdout.")
  String outputFile;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "Namespace for objects that do not name one. Default: default.")
  String namespace;

  @Mixin
  InjectorSource injector;

  /** One object that could not be injected, with every reason. */
  record Refusal(String object, List<String> errors) {}

  @Override
  public Integer call() {
    String input = InputFiles.read(file);
    InjectorSource.Target target = injector.resolve();
    YamlDocuments docs = YamlDocuments.parse(input);
    PrintWriter err = command.commandLine().getErr();

    List<Refusal> refusals = new ArrayList<>();
    List<YamlDocuments.Document> out = new ArrayList<>();
    for (YamlDocuments.Document doc : docs.documents()) {
      out.add(injectDocument(doc, target.settings(), refusals, err));
    }
    String result = new YamlDocuments(out).text();
    if (outputFile != null) {
      InputFiles.write(outputFile, result);
    } else {
      command.commandLine().getOut().print(result);
    }

    if (!refusals.isEmpty()) {
      List<String> details = new ArrayList<>();
      for (Refusal r : refusals) {
        r.errors().forEach(e -> details.add(r.object() + ": " + e));
      }
      throw CliException.failure(
          refusals.size() + (refusals.size() == 1 ? " object was" : " objects were")
              + " not injected: " + String.join(", ", refusals.stream().map(Refusal::object).toList()),
          "fix the annotations named above; those objects were written without a sidecar",
          details);
    }
    return ExitCodes.OK;
  }

  private YamlDocuments.Document injectDocument(
      YamlDocuments.Document doc, InjectionSettings settings, List<Refusal> refusals, PrintWriter err) {
    if (doc.isEmpty()) {
      return doc;
    }
    JsonNode tree = MeshInstallFiles.parse(file, doc.text());
    Optional<HasMetadata> typed = Workloads.typed(tree.path("apiVersion").asText(), tree.path("kind").asText(), doc.text());
    if (typed.isEmpty()) {
      return doc;
    }
    HasMetadata object = typed.get();
    Optional<Workloads.WorkloadPod> workload = Workloads.podOf(object);
    if (workload.isEmpty()) {
      refusals.add(new Refusal(Workloads.ref(object), List.of("has no pod template (spec.template) to inject")));
      return doc;
    }
    Workloads.WorkloadPod w = workload.get();
    String ns = w.namespace() != null ? w.namespace() : namespace != null ? namespace : "default";

    Decision decision = InjectionPolicy.decide(w.pod(), selecting(settings), ns, settings);
    if (!decision.inject()) {
      err.println("meshctl: " + w.ref() + " left as is: " + decision.reason());
      return doc;
    }
    InjectionResult result = SidecarInjector.inject(w.pod(), ns, settings);
    if (!result.ok()) {
      refusals.add(new Refusal(w.ref(), result.errors()));
      return doc;
    }
    return doc.withBody(Yaml.document(Workloads.withPod(object, result.pod())));
  }

  /** Namespace labels that select this injector's revision, as a labelled namespace would. */
  static Map<String, String> selecting(InjectionSettings settings) {
    return InjectionSettings.isDefault(settings.revision())
        ? Map.of(IstioKeys.INJECTION_LABEL, "enabled")
        : Map.of(IstioKeys.REV_LABEL, settings.revision());
  }
}
