package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.KubeTest;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientImpl;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The cipher suite the real kube-apiserver (Go's crypto/tls) picks for the clients the factory
 * builds: ChaCha20-Poly1305 when the factory offers it first (a C1-only JVM), AES-GCM when it keeps
 * the JDK's order (the positive control: the suite does follow the offer).
 */
@KubeTest
class ApiServerHttpClientFactoryIT {

  @Test
  void theApiServerTakesChaCha20WhenOfferedFirstAndAesGcmOtherwise(KubernetesClient client) throws Exception {
    Config config = client.getConfiguration();
    String chacha = negotiated(new ApiServerHttpClientFactory(config, true), config);
    String jdkOrder = negotiated(new ApiServerHttpClientFactory(config, false), config);
    System.out.printf("[tls] ChaCha20 first: %s; the JDK's order: %s%n", chacha, jdkOrder);
    assertThat(chacha).contains("_CHACHA20_POLY1305_");
    assertThat(jdkOrder).contains("_GCM_");
  }

  @Test
  void aClientOfTheFactoryStillServesTheKubernetesApi(KubernetesClient client) {
    Config config = client.getConfiguration();
    try (KubernetesClient chacha = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config)
        .withHttpClientFactory(new ApiServerHttpClientFactory(config, true)).build()) {
      assertThat(chacha.namespaces().withName("default").get()).isNotNull();
      assertThat(chacha.getKubernetesVersion().getGitVersion()).startsWith("v1.");
    }
  }

  /** The suite of one request to /version through the JDK client the factory configured. */
  private static String negotiated(ApiServerHttpClientFactory factory, Config config) throws Exception {
    try (var built = (JdkHttpClientImpl) factory.newBuilder(config).build()) {
      // fabric8 keeps the JDK client package-private; the session is only on the JDK's response
      Method get = JdkHttpClientImpl.class.getDeclaredMethod("getHttpClient");
      get.setAccessible(true);
      HttpClient jdk = (HttpClient) get.invoke(built);
      HttpResponse<Void> response = jdk.send(
          HttpRequest.newBuilder(URI.create(config.getMasterUrl()).resolve("/version")).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      return response.sslSession().orElseThrow().getCipherSuite();
    }
  }
}
