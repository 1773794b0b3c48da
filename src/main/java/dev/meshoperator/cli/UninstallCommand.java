package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl uninstall}: deletes MeshInstalls and waits while the operator's finalizer removes
 * what they installed; {@code --purge} then removes the operator and the CRD. The operator must
 * run until the MeshInstalls are gone, which is why it is removed last.
 */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
    description = {
        "Delete MeshInstalls (all, or --name) and wait until the operator has removed what they installed.",
        "--purge then also removes the operator (the objects of deploy/) and the MeshInstall CRD."},
    footer = {"", "Examples:",
        "  meshctl uninstall --name demo",
        "  meshctl uninstall --purge"})
final class UninstallCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = "--name", paramLabel = "NAME", description = "Delete this MeshInstall only. Default: every MeshInstall.")
  String name;

  @Option(names = "--purge", description = "Also remove the operator and the MeshInstall CRD (needs every MeshInstall gone).")
  boolean purge;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long to wait for each MeshInstall's finalizer (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    Progress progress = new Progress(command.commandLine().getOut());
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      boolean crdInstalled = cluster.call("read the MeshInstall CRD", () -> cluster.client().apiextensions().v1()
          .customResourceDefinitions().withName(MeshInstall.CRD_NAME).get()) != null;
      List<MeshInstall> installs = crdInstalled ? targets(cluster) : List.of();
      if (installs.isEmpty()) {
        // A named install that is not there is a mistake worth an exit code (kubectl delete does
        // the same); "uninstall everything" when nothing is there has simply nothing to do.
        if (name != null && !purge) {
          throw CliException.failure(nothingMessage(crdInstalled, cluster.server()),
              crdInstalled ? "list them with: kubectl get meshinstalls" : "nothing to uninstall");
        }
        progress.line(nothingMessage(crdInstalled, cluster.server()));
      }
      if (purge && name != null) {
        List<String> others = cluster.call("list MeshInstalls", () -> cluster.client().resources(MeshInstall.class)
            .list().getItems()).stream().map(mi -> mi.getMetadata().getName()).filter(n -> !n.equals(name)).toList();
        if (!others.isEmpty()) {
          throw CliException.failure("--purge would delete the CRD and with it the other MeshInstalls: " + String.join(", ", others),
              "uninstall them too (meshctl uninstall --purge without --name), or leave out --purge");
        }
      }
      MeshInstallWatcher watcher = new MeshInstallWatcher(cluster, progress);
      for (MeshInstall mi : installs) {
        String n = mi.getMetadata().getName();
        cluster.run("delete MeshInstall " + n, () -> cluster.client().resources(MeshInstall.class).withName(n).delete());
        progress.line("meshinstall/" + n + " deleting: the operator removes what it installed");
      }
      for (MeshInstall mi : installs) {
        watcher.awaitDeleted(mi.getMetadata().getName(), timeout);
      }
      if (purge) {
        purgeOperator(cluster, progress);
      }
    }
    return ExitCodes.OK;
  }

  private String nothingMessage(boolean crdInstalled, String server) {
    if (!crdInstalled) {
      return "nothing installed: the MeshInstall CRD is not in " + server;
    }
    return name == null ? "no MeshInstalls in " + server : "MeshInstall " + name + " not found in " + server;
  }

  private List<MeshInstall> targets(ClusterConnection cluster) {
    if (name != null) {
      MeshInstall mi = cluster.call("read MeshInstall " + name,
          () -> cluster.client().resources(MeshInstall.class).withName(name).get());
      return mi == null ? List.of() : List.of(mi);
    }
    return cluster.call("list MeshInstalls", () -> cluster.client().resources(MeshInstall.class).list().getItems());
  }

  /** deploy/ in reverse order, the CRD last; objects already gone are skipped silently. */
  private static void purgeOperator(ClusterConnection cluster, Progress progress) {
    List<HasMetadata> objects = new ArrayList<>(BundledManifests.operator(null));
    Collections.reverse(objects);
    for (HasMetadata o : objects) {
      delete(cluster, progress, o);
    }
    CustomResourceDefinition crd = BundledManifests.crd();
    delete(cluster, progress, crd);
  }

  private static void delete(ClusterConnection cluster, Progress progress, HasMetadata o) {
    try {
      var deleted = cluster.client().resource(o).delete();
      if (!deleted.isEmpty()) {
        progress.line(Refs.kubectl(o) + " deleted");
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw cluster.failure("delete " + Refs.qualified(o), e);
      }
    }
  }
}
