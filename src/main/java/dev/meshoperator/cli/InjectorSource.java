package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import picocli.CommandLine.Model.CommandSpec;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Options shared by kube-inject and check-inject: which MeshInstall's injector to use. One of a
 * file, the cluster, or a profile and revision (default: the default profile's default revision).
 */
final class InjectorSource {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--meshinstall", paramLabel = "FILE",
      description = "Use the injector of the MeshInstall in FILE.")
  String file;

  @Option(names = "--from-cluster", paramLabel = "NAME",
      description = "Use the injector of MeshInstall NAME in the current kubeconfig's cluster.")
  String fromCluster;

  @Option(names = "--profile", paramLabel = "PROFILE",
      description = "Without a MeshInstall: the profile's injector (default, demo, minimal, remote, empty). Default: default.")
  String profile;

  @Option(names = "--revision", paramLabel = "REV",
      description = "Without a MeshInstall: the revision whose injector is used. Default: the default revision.")
  String revision;

  @Option(names = "--native-sidecars-supported", paramLabel = "BOOL", arity = "1",
      description = "Whether the target cluster runs native sidecars (Kubernetes 1.29+); decides for a "
          + "MeshInstall that leaves nativeSidecar unset. Default true; with --from-cluster the server's version decides.")
  Boolean nativeSidecarsSupported;

  /** The resolved injector and what it came from, for messages. */
  record Target(EffectiveConfig config, InjectionSettings settings, String source) {}

  /** For commands that pick the injector themselves: refuses every option of this mixin but the native-sidecar one. */
  void requireNoChoice(String why) {
    List<String> given = new java.util.ArrayList<>();
    if (file != null) {
      given.add("--meshinstall");
    }
    if (fromCluster != null) {
      given.add("--from-cluster");
    }
    if (profile != null) {
      given.add("--profile");
    }
    if (revision != null) {
      given.add("--revision");
    }
    if (!given.isEmpty()) {
      throw CliException.usage(String.join(", ", given) + " cannot be used here: " + why,
          "drop " + String.join(" and ", given) + ", or check a YAML file with -f");
    }
  }

  Target resolve() {
    if (file != null && fromCluster != null) {
      throw CliException.usage("--meshinstall and --from-cluster both name a MeshInstall", "give one of them");
    }
    if ((file != null || fromCluster != null) && (profile != null || revision != null)) {
      throw CliException.usage("--profile and --revision describe a MeshInstall; they cannot be combined with --meshinstall or --from-cluster",
          "set the profile and revision in the MeshInstall itself");
    }
    MeshInstall install;
    boolean nativeSupported = nativeSidecarsSupported == null || nativeSidecarsSupported;
    String source;
    if (file != null) {
      install = MeshInstallFiles.read(file);
      source = "MeshInstall " + install.getMetadata().getName() + " (" + file + ")";
    } else if (fromCluster != null) {
      ClusterMeshInstalls.Fetched fetched = ClusterMeshInstalls.fetch(fromCluster, Meshctl.kubeOptions(mixee));
      install = fetched.install();
      nativeSupported = nativeSidecarsSupported != null ? nativeSidecarsSupported : fetched.nativeSidecars();
      source = "MeshInstall " + fromCluster + " (" + fetched.server() + ")";
    } else {
      install = new MeshInstall();
      install.setMetadata(new ObjectMetaBuilder().withName(Profiles.UNNAMED).build());
      MeshInstallSpec spec = new MeshInstallSpec();
      if (profile != null) {
        spec.setProfile(MeshInstallFiles.profile(profile));
      }
      spec.setRevision(revision);
      install.setSpec(spec);
      source = "profile " + spec.getProfile().wireName() + ", revision " + InjectionSettings.normalizeRevision(revision);
    }
    MeshInstallFiles.requireValid(install, source);
    EffectiveConfig config = Profiles.resolve(install);
    return new Target(config, InjectionSettingsFactory.from(config, nativeSupported), source);
  }
}
