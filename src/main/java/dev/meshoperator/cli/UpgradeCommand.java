package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.UpdateStrategyType;
import dev.meshoperator.operator.DurationConverter;
import dev.meshoperator.profile.IstioVersions;
import dev.meshoperator.profile.Upgrades;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl upgrade}: sets spec.version (and optionally the update strategy) of a MeshInstall
 * by a merge patch, the same edit {@code kubectl edit} would make, and with --wait follows the
 * operator until the install runs the new version: revisions, their pods, the workload move.
 * Whether the change is allowed is the operator's decision (UpgradeRefused), shown here as it is.
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
    description = {"Change the Istio version of a MeshInstall and, with --wait, follow the upgrade until it is done.",
        "InPlace (default) replaces the control plane one minor at a time; RevisionBased runs the new version as a",
        "new revision beside the old one. Exit 1 when the operator refuses the change or a workload fails to roll out."},
    footer = {"", "Examples:", "  meshctl upgrade demo --version 1.31.4 --wait",
        "  meshctl upgrade demo --version 1.31.4 --strategy RevisionBased --update-workloads --wait"})
final class UpgradeCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The MeshInstall. Default: the only one in the cluster.")
  String name;

  @Option(names = "--version", required = true, paramLabel = "VERSION", description = "The Istio release to run, e.g. 1.31.4.")
  String version;

  @Option(names = "--strategy", paramLabel = "TYPE", description = "Also set spec.updateStrategy.type: InPlace or RevisionBased.")
  UpdateStrategyType strategy;

  @Option(names = "--update-workloads", negatable = true, description = "Also set spec.updateStrategy.updateWorkloads (RevisionBased).")
  Boolean updateWorkloads;

  @Option(names = "--wait", description = "Follow the upgrade until it is done.")
  boolean await;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long --wait waits (default 10m).")
  Duration timeout = Duration.ofMinutes(10);

  @Override
  public Integer call() {
    if (IstioVersions.of(version).isEmpty()) {
      throw CliException.usage("--version " + version + " is not a supported Istio release",
          "supported: " + IstioVersions.describeSupported());
    }
    PrintWriter out = command.commandLine().getOut();
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      MeshInstall mi = target(cluster);
      String target = mi.getMetadata().getName();
      String from = mi.getStatus() == null || mi.getStatus().getAppliedVersion() == null
          ? mi.getSpec().getVersion() : mi.getStatus().getAppliedVersion();
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("version", version);
      Map<String, Object> updateStrategy = new LinkedHashMap<>();
      if (strategy != null) {
        updateStrategy.put("type", strategy.name());
      }
      if (updateWorkloads != null) {
        updateStrategy.put("updateWorkloads", updateWorkloads);
      }
      if (!updateStrategy.isEmpty()) {
        spec.put("updateStrategy", updateStrategy);
      }
      String patch = Yaml.json(Map.of("spec", spec));
      cluster.call("patch MeshInstall " + target, () -> cluster.client().resources(MeshInstall.class).withName(target)
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
      UpdateStrategyType type = strategy != null ? strategy : Upgrades.strategy(mi.getSpec());
      out.println("meshinstall/" + target + ": spec.version " + from + " -> " + version + " (" + type + ")");
      if (await) {
        new MeshInstallWatcher(cluster, new Progress(out)).awaitUpgraded(target, version, timeout);
      }
    }
    return ExitCodes.OK;
  }

  private MeshInstall target(ClusterConnection cluster) {
    if (name != null) {
      MeshInstall mi = cluster.call("read MeshInstall " + name,
          () -> cluster.client().resources(MeshInstall.class).withName(name).get());
      if (mi == null) {
        throw CliException.failure("meshinstall/" + name + " not found", "list them with: kubectl get meshinstall");
      }
      return mi;
    }
    List<MeshInstall> all = cluster.call("list MeshInstalls", () -> cluster.client().resources(MeshInstall.class).list().getItems());
    if (all.size() != 1) {
      throw CliException.usage(all.isEmpty() ? "no MeshInstall in the cluster" : all.size() + " MeshInstalls in the cluster: name one",
          "kubectl get meshinstall");
    }
    return all.get(0);
  }
}
