package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The objects the operator would apply for a MeshInstall, in its apply order. Same resolve and
 * render calls as the reconciler, so what this prints is what the cluster gets; no cluster needed.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {
        "Print the objects the operator would apply for a MeshInstall, in apply order.",
        "Needs no cluster. Starts from the MeshInstall in -f (or an empty one), then --profile, then each --set in order."},
    footer = {"", "Examples:",
        "  meshctl manifest generate --profile demo",
        "  meshctl manifest generate -f examples/meshinstall-demo.yaml --set components.ingressGateways[0].replicas=3",
        "  meshctl manifest generate --set revision=canary --set meshConfig.accessLogFile=/dev/stdout -o json"})
final class ManifestGenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "A MeshInstall YAML file (- for stdin).")
  String file;

  @Option(names = "--profile", paramLabel = "PROFILE",
      description = "Profile: default, demo, minimal, remote or empty. Overrides the file's.")
  String profile;

  @Option(names = "--set", paramLabel = "PATH=VALUE",
      description = "Set a spec field, e.g. components.pilot.replicas=2, revision=canary. Repeatable.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--name", paramLabel = "NAME",
      description = "The MeshInstall's name (the meshoperator.dev/install label). Default: the file's, else '" + Profiles.UNNAMED + "'.")
  String name;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "yaml (default: one document per object) or json (a v1 List).")
  OutputFormat output = OutputFormat.YAML;

  @Override
  public Integer call() {
    if (output != OutputFormat.YAML && output != OutputFormat.JSON) {
      throw CliException.usage("manifest generate prints yaml or json, not " + output.wire(), "use -o yaml or -o json");
    }
    MeshInstall install = file == null ? new MeshInstall() : MeshInstallFiles.read(file);
    if (install.getMetadata() == null) {
      install.setMetadata(new ObjectMetaBuilder().build());
    }
    if (name != null) {
      install.getMetadata().setName(name);
    } else if (install.getMetadata().getName() == null) {
      install.getMetadata().setName(Profiles.UNNAMED);
    }
    MeshInstallSpec spec = install.getSpec() == null ? new MeshInstallSpec() : install.getSpec();
    if (profile != null) {
      spec.setProfile(MeshInstallFiles.profile(profile));
    }
    install.setSpec(SpecSetter.apply(spec, sets));

    MeshInstallFiles.requireValid(install, "MeshInstall " + install.getMetadata().getName());
    List<HasMetadata> objects = new Renderer().render(Profiles.resolve(install));

    var out = command.commandLine().getOut();
    if (output == OutputFormat.JSON) {
      out.println(Yaml.json(new KubernetesListBuilder().withItems(objects).build()));
    } else {
      out.print(Yaml.documents(objects));
    }
    return ExitCodes.OK;
  }
}
