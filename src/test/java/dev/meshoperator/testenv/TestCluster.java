package dev.meshoperator.testenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;

/**
 * A running Kubernetes cluster that end-to-end tests share for one test run: either the local
 * control plane built by hack/kube-testenv.sh (the default) or k3s in a container where Docker is.
 */
public interface TestCluster extends AutoCloseable {

  /** An admin client; shared, do not close it. */
  KubernetesClient client();

  /** A kubeconfig file with admin credentials for this cluster. */
  Path kubeconfig();

  /** Runs kubectl against this cluster and returns what it printed; fails on a non-zero exit. */
  String kubectl(List<String> args);

  /**
   * The host under which the API server reaches a server listening in this JVM on {@code port};
   * use it in webhook {@code url} client configurations and in serving-certificate SANs.
   */
  String hostReachableFromApiServer(int port);

  /** True when nodes are kwok's fake nodes (pods become Ready without running containers). */
  boolean fakeNodes();

  /** Names of the schedulable nodes. */
  List<String> nodeNames();

  /** Kubernetes release of the API server, e.g. "v1.36.3". */
  String serverVersion();

  @Override
  void close();
}
