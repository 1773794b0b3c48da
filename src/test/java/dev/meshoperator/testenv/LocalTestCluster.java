package dev.meshoperator.testenv;

import dev.meshoperator.localcluster.LocalCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;

/**
 * The tests' view of {@link LocalCluster} (the same class {@code meshctl demo} runs): logs and the
 * API server's audit log go to {@code target/kube-testenv/}; stopped when the test JVM ends.
 */
public final class LocalTestCluster implements TestCluster {
  private final LocalCluster cluster;

  private LocalTestCluster(LocalCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts the whole cluster and returns when nodes are Ready and controllers run. */
  public static LocalTestCluster start(TestEnvLayout layout, Path workDir) {
    LocalCluster cluster = LocalCluster.start(layout.binaries(), workDir);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "kube-testenv-stop"));
    System.out.println("[kube-testenv] " + cluster.startupSummary());
    return new LocalTestCluster(cluster);
  }

  /** Throws with the process's log location when a component of the cluster has died. */
  public void checkAlive() {
    cluster.checkAlive();
  }

  /**
   * Restarts kube-apiserver alone (etcd keeps running), on the same port with the same
   * certificates; returns how long it did not answer, in milliseconds.
   */
  public long restartApiServer(java.time.Duration downtime) {
    return cluster.restartApiServer(downtime);
  }

  @Override
  public KubernetesClient client() {
    return cluster.client();
  }

  @Override
  public Path kubeconfig() {
    return cluster.kubeconfig();
  }

  /** The API server's audit log (JSON lines): writes, and service accounts' reads. */
  public Path auditLog() {
    return cluster.auditLog();
  }

  /** One line per {@link #restartApiServer}: when the old API server was stopped and the new one was ready. */
  public Path apiServerRestarts() {
    return cluster.apiServerRestarts();
  }

  @Override
  public String kubectl(List<String> args) {
    return cluster.kubectl(args);
  }

  @Override
  public String hostReachableFromApiServer(int port) {
    return "127.0.0.1";
  }

  @Override
  public boolean fakeNodes() {
    return true;
  }

  @Override
  public List<String> nodeNames() {
    return cluster.nodeNames();
  }

  @Override
  public String serverVersion() {
    return cluster.serverVersion();
  }

  @Override
  public void close() {
    cluster.close();
  }

  @Override
  public String toString() {
    return "test " + cluster;
  }
}
