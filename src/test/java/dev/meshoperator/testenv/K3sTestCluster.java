package dev.meshoperator.testenv;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * k3s in a container, for machines with Docker: the same end-to-end tests against real
 * containers and a real kubelet. Chosen with {@code -Dmesh.cluster=k3s}.
 */
public final class K3sTestCluster implements TestCluster {
  static final String DEFAULT_IMAGE = "rancher/k3s:v1.33.1-k3s1";

  private final K3sContainer container;
  private final KubernetesClient client;
  private final Path kubeconfig;

  private K3sTestCluster(K3sContainer container, KubernetesClient client, Path kubeconfig) {
    this.container = container;
    this.client = client;
    this.kubeconfig = kubeconfig;
  }

  private static volatile java.util.Optional<String> unavailable;

  /** Why k3s cannot run here, or null when Docker answers; asked once per run. */
  public static String unavailableReason() {
    if (unavailable == null) {
      unavailable = java.util.Optional.ofNullable(probeDocker());
    }
    return unavailable.orElse(null);
  }

  private static String probeDocker() {
    try {
      return DockerClientFactory.instance().isDockerAvailable() ? null
          : "no Docker engine answers on this machine, so the k3s suite (real containers) is skipped;"
              + " the same tests run against the local kube-testenv cluster without -Dmesh.cluster=k3s";
    } catch (RuntimeException | LinkageError e) {
      return "Docker is not usable here (" + e.getMessage() + "), so the k3s suite is skipped";
    }
  }

  public static K3sTestCluster start(Path workDir) {
    var image = DockerImageName.parse(System.getProperty("mesh.k3s.image", DEFAULT_IMAGE))
        .asCompatibleSubstituteFor("rancher/k3s");
    var container = new K3sContainer(image);
    container.start();
    try {
      Files.createDirectories(workDir);
      Path kubeconfig = workDir.resolve("k3s-kubeconfig");
      Files.writeString(kubeconfig, container.getKubeConfigYaml());
      var client = new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(container.getKubeConfigYaml())).build();
      return new K3sTestCluster(container, client, kubeconfig);
    } catch (IOException e) {
      container.stop();
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Path kubeconfig() {
    return kubeconfig;
  }

  @Override
  public String kubectl(List<String> args) {
    var command = new ArrayList<String>();
    command.add("kubectl");
    command.addAll(args);
    try {
      var result = container.execInContainer(command.toArray(String[]::new));
      if (result.getExitCode() != 0) {
        throw new IllegalStateException("kubectl " + args + " exited " + result.getExitCode() + ": "
            + result.getStderr());
      }
      return result.getStdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String hostReachableFromApiServer(int port) {
    Testcontainers.exposeHostPorts(port);
    return "host.testcontainers.internal";
  }

  @Override
  public boolean fakeNodes() {
    return false;
  }

  @Override
  public List<String> nodeNames() {
    return client.nodes().list().getItems().stream().map(Node::getMetadata)
        .map(m -> m.getName()).toList();
  }

  @Override
  public String serverVersion() {
    return client.getKubernetesVersion().getGitVersion();
  }

  @Override
  public void close() {
    client.close();
    container.stop();
  }
}
