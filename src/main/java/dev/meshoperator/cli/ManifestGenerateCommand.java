package dev.meshoperator.cli;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import dev.meshoperator.webhook.InjectorWebhookRenderer;
import dev.meshoperator.webhook.WebhookEndpoint;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The objects the operator would apply for a MeshInstall, in its apply order. Same resolve and
 * render calls as the reconciler, with the same extra renderer for the injector's webhook
 * configuration, so what this prints is what the cluster gets; no cluster needed. The one thing
 * only the running operator knows is its CA, so the webhook configuration has no caBundle here.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {
        "Print the objects the operator would apply for a MeshInstall, then the MeshInstall, then Istio's CRDs.",
        "Piped into 'kubectl delete -f -' it removes what 'manifest apply' or 'install' with the same options created (not the operator).",
        "Needs no cluster. Starts from the MeshInstall in -f (or an empty one), then --profile, then each --set in order.",
        "The injector's MutatingWebhookConfiguration is included with an empty caBundle: the operator fills it in."},
    footer = {"", "Examples:",
        "  meshctl manifest generate --profile demo",
        "  meshctl manifest generate --set profile=demo | kubectl delete -f -",
        "  meshctl manifest generate -f examples/meshinstall-demo.yaml --set components.ingressGateways[0].replicas=3",
        "  meshctl manifest generate --set revision=canary --set meshConfig.accessLogFile=/dev/stdout -o json"})
final class ManifestGenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Mixin
  MeshInstallOptions meshInstall;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "yaml (default: one document per object) or json (a v1 List).")
  OutputFormat output = OutputFormat.YAML;

  // The same names and defaults as `meshctl operator` and deploy/, so the webhook's clientConfig
  // points where the default deployment's Service is.
  @Option(names = "--operator-namespace", paramLabel = "NS", defaultValue = "mesh-operator",
      description = "Namespace of the operator's Service, for the webhook's clientConfig (default ${DEFAULT-VALUE}).")
  String operatorNamespace;

  @Option(names = "--webhook-service", paramLabel = "NAME", defaultValue = "mesh-operator",
      description = "The operator's Service that the API server calls for injection (default ${DEFAULT-VALUE}).")
  String webhookService;

  @Option(names = "--default-failure-policy", paramLabel = "POLICY", defaultValue = "Fail",
      description = "Webhook failurePolicy when the MeshInstall sets none, as the operator's option of that name: Fail or Ignore (default ${DEFAULT-VALUE}).")
  FailurePolicy defaultFailurePolicy;

  static final String CA_BUNDLE_NOTE =
      "caBundle is left out: the running operator fills in the CA of its webhook certificate";

  @Override
  public Integer call() {
    if (output != OutputFormat.YAML && output != OutputFormat.JSON) {
      throw CliException.usage("manifest generate prints yaml or json, not " + output.wire(), "use -o yaml or -o json");
    }
    MeshInstall install = meshInstall.build(command.commandLine().getErr());
    List<HasMetadata> objects = documents(install, new Renderer(List.of(injectorWebhook())).render(Profiles.resolve(install)));

    var out = command.commandLine().getOut();
    if (output == OutputFormat.JSON) {
      // Not the builder: it wants a builder class for every item's type, and MeshInstall has none.
      KubernetesList list = new KubernetesList();
      list.setItems(objects);
      out.println(Yaml.json(list));
      if (objects.stream().anyMatch(MutatingWebhookConfiguration.class::isInstance)) {
        // JSON has no comments; stderr keeps stdout a clean List for kubectl.
        command.commandLine().getErr().println("meshctl: note: " + CA_BUNDLE_NOTE);
      }
    } else {
      objects.forEach(o -> out.print(document(o)));
    }
    return ExitCodes.OK;
  }

  /**
   * What is printed, in an order that both {@code kubectl apply -f -} and {@code kubectl delete -f -}
   * can take: the rendered objects in apply order, then the MeshInstall itself (what {@code manifest
   * apply} and {@code install} create, so that deleting the stream removes the install too), then
   * Istio's CRDs. kubectl deletes in document order and stops nothing on the way, while the operator
   * keeps the install as declared until its MeshInstall goes: each rendered object deleted before it
   * may be put back, and the MeshInstall's uninstall then removes it, so none is missing when kubectl
   * reaches it. The CRDs are the exception: uninstall keeps them (they are shared) unless
   * removeOnUninstall, so a CRD put back before the MeshInstall went would be left behind; after it,
   * nothing puts them back. With removeOnUninstall the uninstall deletes them itself, so they come
   * before the MeshInstall there, where kubectl finds them still present.
   */
  static List<HasMetadata> documents(MeshInstall install, List<HasMetadata> rendered) {
    boolean uninstallRemovesCrds = install.getSpec() != null && install.getSpec().getComponents() != null
        && install.getSpec().getComponents().getBase() != null
        && Boolean.TRUE.equals(install.getSpec().getComponents().getBase().getRemoveOnUninstall());
    List<HasMetadata> crds = rendered.stream().filter(CustomResourceDefinition.class::isInstance).toList();
    List<HasMetadata> documents = new ArrayList<>(rendered.stream()
        .filter(o -> !(o instanceof CustomResourceDefinition)).toList());
    if (uninstallRemovesCrds) {
      documents.addAll(crds);
    }
    MeshInstall applied = Yaml.KUBE.clone(install);
    applied.setStatus(null);
    applied.getMetadata().setResourceVersion(null);
    documents.add(applied);
    if (!uninstallRemovesCrds) {
      documents.addAll(crds);
    }
    return documents;
  }

  /**
   * The renderer the operator adds (OperatorProcess), with the default deployment's Service; the
   * operator's own namespace is left out of injection as the running operator leaves it out.
   */
  InjectorWebhookRenderer injectorWebhook() {
    return new InjectorWebhookRenderer(WebhookEndpoint.service(operatorNamespace, webhookService, 443),
        Optional::empty, defaultFailurePolicy, Optional.of(operatorNamespace));
  }

  private static String document(HasMetadata object) {
    String yaml = Yaml.documents(List.of(object));
    if (object instanceof MutatingWebhookConfiguration && yaml.startsWith("---\n")) {
      return "---\n# " + CA_BUNDLE_NOTE + "\n" + yaml.substring(4);
    }
    return yaml;
  }
}
