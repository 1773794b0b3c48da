package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamedExtension;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubeconfig is read as before with fabric8's type registry deferred ({@link KubeconfigExtensions}):
 * server, token and context of a plain kubeconfig, and the extensions of one that has them (minikube
 * writes some), read into the same objects as by fabric8's own mapper.
 */
class KubeconfigExtensionsTest {
  private static final String KUBECONFIG = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: c
        cluster:
          server: https://127.0.0.1:6443
          insecure-skip-tls-verify: true
      %s
      users:
      - name: u
        user:
          token: abc
      contexts:
      - name: ctx
        context: {cluster: c, user: u, namespace: team}
      current-context: ctx
      """;

  private static final String EXTENSIONS = """
          extensions:
          - name: cluster_info
            extension:
              last-update: Mon, 01 Dec 2026 10:00:00 UTC
              provider: minikube.sigs.k8s.io
              version: v1.35.0
          - name: typed
            extension:
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: cm}
              data: {k: v}
      """;

  @Test
  void plainKubeconfigReadsAsBefore(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("kubeconfig"), KUBECONFIG.formatted(""));
    KubeconfigExtensions.deferTypeRegistry();

    Config config = Config.fromKubeconfig(null, file.toFile());

    assertThat(config.getMasterUrl()).isEqualTo("https://127.0.0.1:6443/");
    assertThat(config.getAutoOAuthToken()).isEqualTo("abc");
    assertThat(config.getNamespace()).isEqualTo("team");
    assertThat(config.getCurrentContext().getName()).isEqualTo("ctx");
  }

  @Test
  void extensionsAreReadAsFabric8ReadsThem(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("kubeconfig"), KUBECONFIG.formatted(EXTENSIONS));
    KubeconfigExtensions.deferTypeRegistry();

    var deferred = KubeConfigUtils.parseConfig(file.toFile()).getClusters().get(0).getCluster().getExtensions();
    // fabric8's own reading: a mapper of its own, without the stand-in
    var plain = new KubernetesSerialization().unmarshal(Files.readString(file), io.fabric8.kubernetes.api.model.Config.class)
        .getClusters().get(0).getCluster().getExtensions();

    assertThat(deferred).extracting(NamedExtension::getName).containsExactly("cluster_info", "typed");
    assertThat(deferred).isEqualTo(plain);
    // the typed one became a ConfigMap through fabric8's registry, the other a map of its fields
    assertThat(deferred.get(1).getExtension()).isInstanceOf(io.fabric8.kubernetes.api.model.ConfigMap.class);
    assertThat(((io.fabric8.kubernetes.api.model.ConfigMap) deferred.get(1).getExtension()).getData()).isEqualTo(Map.of("k", "v"));
    assertThat(deferred.get(0).getExtension().toString()).contains("minikube.sigs.k8s.io");
    assertThat(Config.fromKubeconfig(null, file.toFile()).getMasterUrl()).isEqualTo("https://127.0.0.1:6443/");
  }
}
