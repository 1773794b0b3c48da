package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A MeshInstall from the command line as manifest generate reads it: the file's (or an empty
 * one), then --profile, then each --set in order, named by --name, else the file, else
 * {@value Profiles#UNNAMED}.
 */
final class MeshInstallOptions {
  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "A MeshInstall YAML file (- for stdin).")
  String file;

  @Option(names = "--profile", paramLabel = "PROFILE",
      description = "Profile: default, demo, minimal, remote or empty. Overrides the file's.")
  String profile;

  @Option(names = "--set", paramLabel = "PATH=VALUE",
      description = {"Set a spec field, e.g. components.pilot.replicas=2, revision=canary, profile=demo. Repeatable.",
          "istioctl's paths are accepted where the MeshInstall has the same setting (values.global.hub, "
              + "components.pilot.k8s.replicaCount, ...): a note names the field each one became."})
  List<String> sets = new ArrayList<>();

  @Option(names = "--name", paramLabel = "NAME",
      description = "The MeshInstall's name. Default: the file's, else '" + Profiles.UNNAMED + "'.")
  String name;

  /** The MeshInstall, checked as the operator would check it; a note on {@code notes} per translated istioctl path. */
  MeshInstall build(PrintWriter notes) {
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
    List<String> assignments = new ArrayList<>();
    for (String set : sets) {
      IstioctlPaths.Translation translation = IstioctlPaths.translate(set);
      translation.note().ifPresent(note -> notes.println("meshctl: note: " + note));
      assignments.add(translation.assignment());
    }
    install.setSpec(SpecSetter.apply(spec, assignments));
    MeshInstallFiles.requireValid(install, "MeshInstall " + install.getMetadata().getName());
    return install;
  }
}
