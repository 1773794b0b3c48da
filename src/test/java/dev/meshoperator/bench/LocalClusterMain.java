package dev.meshoperator.bench;

import dev.meshoperator.localcluster.KubeBinaries;
import dev.meshoperator.localcluster.LocalCluster;
import dev.meshoperator.reconcile.OperatorHarness;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A local cluster for bench/operator-start.sh: the tests' LocalCluster with the
 * MeshInstall CRD and the operator's namespace, its admin kubeconfig path written to
 * {@code <dir>/kubeconfig-path} once it is up. Runs until it is killed (a shutdown hook stops the cluster).
 */
public final class LocalClusterMain {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String namespace = args.length > 1 ? args[1] : "mesh-operator";
    Files.createDirectories(dir);
    LocalCluster cluster = LocalCluster.start(KubeBinaries.fromEnvironment(KubeBinaries.pinnedVersion()),
        dir.resolve("cluster"));
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-cluster-stop"));
    OperatorHarness.installCrd(cluster.client());
    cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace)
        .endMetadata().build()).serverSideApply();
    Files.writeString(dir.resolve("kubeconfig-path.tmp"), cluster.kubeconfig().toString());
    Files.move(dir.resolve("kubeconfig-path.tmp"), dir.resolve("kubeconfig-path"));
    System.out.println("cluster up: " + cluster.kubeconfig());
    Thread.currentThread().join();
  }
}
