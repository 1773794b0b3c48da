package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import dev.meshoperator.reconcile.MeshInstallReconciler;
import dev.meshoperator.reconcile.Uninstaller;
import dev.meshoperator.render.Labels;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl uninstall}: deletes MeshInstalls and waits while the operator's finalizer removes
 * what they installed; {@code --purge} then removes the operator and the CRD. The operator must
 * run until the MeshInstalls are gone, which is why it is removed last.
 */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
    description = {
        "Delete MeshInstalls (all, or --name) and wait until the operator has removed what they installed.",
        "--purge then also removes the operator (the objects of deploy/) and the MeshInstall CRD.",
        "--force NAME is the escape hatch when an uninstall is stuck: it lists what is still there and why,",
        "then removes the MeshInstall's finalizer, leaving those objects behind."},
    footer = {"", "Examples:",
        "  meshctl uninstall --name demo",
        "  meshctl uninstall --purge",
        "  meshctl uninstall --force demo"})
final class UninstallCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = "--name", paramLabel = "NAME", description = "Delete this MeshInstall only. Default: every MeshInstall.")
  String name;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Same as --name.")
  String positionalName;

  @Option(names = "--force",
      description = "Do not wait for the operator: list what the MeshInstall still has in the cluster, then remove its finalizer (those objects stay behind).")
  boolean force;

  @Option(names = "--purge", description = "Also remove the operator and the MeshInstall CRD (needs every MeshInstall gone).")
  boolean purge;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long to wait for each MeshInstall's finalizer (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    if (positionalName != null) {
      if (name != null && !name.equals(positionalName)) {
        throw CliException.usage("two names: --name " + name + " and " + positionalName, "give the MeshInstall's name once");
      }
      name = positionalName;
    }
    if (force && name == null) {
      throw CliException.usage("--force needs the name of one MeshInstall", "meshctl uninstall --force NAME");
    }
    if (force && purge) {
      throw CliException.usage("--force and --purge do not go together",
          "force the stuck MeshInstall out first, then run meshctl uninstall --purge");
    }
    Progress progress = new Progress(command.commandLine().getOut());
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      if (force) {
        return forceOut(cluster, progress);
      }
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

  /**
   * Deletes the MeshInstall if that was not asked yet, says what of it is still in the cluster, then
   * removes the operator's finalizer so the MeshInstall goes without waiting for those objects.
   */
  private int forceOut(ClusterConnection cluster, Progress progress) {
    var installs = cluster.client().resources(MeshInstall.class);
    MeshInstall mi = cluster.call("read MeshInstall " + name, () -> installs.withName(name).get());
    if (mi == null) {
      throw CliException.failure("MeshInstall " + name + " not found in " + cluster.server(),
          "list them with: kubectl get meshinstalls");
    }
    if (mi.getMetadata().getDeletionTimestamp() == null) {
      cluster.run("delete MeshInstall " + name, () -> installs.withName(name).delete());
      progress.line("meshinstall/" + name + " deleting");
    }
    List<Uninstaller.Leftover> left = cluster.call("list what MeshInstall " + name + " installed",
        () -> Uninstaller.remaining(cluster.client(), name));
    if (left.isEmpty()) {
      progress.line("nothing labelled " + Labels.INSTALL + "=" + name + " is left in the cluster");
    } else {
      progress.line("leaving behind " + left.size() + " object(s) labelled " + Labels.MANAGED_BY + "="
          + Labels.MANAGED_BY_VALUE + "," + Labels.INSTALL + "=" + name + ":");
      left.forEach(o -> progress.line("  " + o));
      progress.line("those with an ownerReference to the MeshInstall are deleted by the garbage collector once it "
          + "is gone, unless a finalizer holds them; find them later with: kubectl get all,cm,secret,sa,role,rolebinding,"
          + "clusterrole,clusterrolebinding,mutatingwebhookconfiguration,ns -A -l " + Labels.INSTALL + "=" + name);
    }
    cluster.run("remove the finalizer of MeshInstall " + name, () -> removeFinalizer(installs, name));
    progress.line("meshinstall/" + name + ": finalizer " + MeshInstallReconciler.FINALIZER + " removed");
    new MeshInstallWatcher(cluster, progress).awaitDeleted(name, timeout);
    return ExitCodes.OK;
  }

  /**
   * Removes the operator's finalizer with a JSON patch that tests it is still at the index read and
   * removes that entry, without a resourceVersion: the operator, still running, writes the status
   * of the install being deleted meanwhile, and a write locked to the version read (fabric8's edit)
   * failed with 409 Conflict. Read again and retried if the list itself changed (the test fails).
   */
  static void removeFinalizer(
      io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<MeshInstall, ?, ? extends io.fabric8.kubernetes.client.dsl.Resource<MeshInstall>> installs,
      String name) {
    for (int attempt = 1; ; attempt++) {
      MeshInstall current = installs.withName(name).get();
      List<String> finalizers = current == null ? null : current.getMetadata().getFinalizers();
      int at = finalizers == null ? -1 : finalizers.indexOf(MeshInstallReconciler.FINALIZER);
      if (at < 0) {
        return; // gone, or no longer held by the finalizer
      }
      String path = "/metadata/finalizers/" + at;
      String patch = "[{\"op\":\"test\",\"path\":\"" + path + "\",\"value\":\"" + MeshInstallReconciler.FINALIZER
          + "\"},{\"op\":\"remove\",\"path\":\"" + path + "\"}]";
      try {
        installs.withName(name).patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        // a failed test op (the list changed since read) comes back as 422 or 500, a race as 409
        boolean changed = e.getCode() == 409 || e.getCode() == 422 || e.getCode() == 500;
        if (!changed || attempt >= 5) {
          throw e;
        }
      }
    }
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
