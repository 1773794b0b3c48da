package dev.meshoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A stop gives the Lease release a bound: against an API server that is gone (nothing listens;
 * by hand the client's retries took about 19 s), the release is given up at the bound, so the stop
 * goes on to the webhook's graceful stop. LeaseReleaseIT covers the release against a real API
 * server.
 */
class LeaseReleaseBoundTest {
  /** Nothing listens on port 1 of the loopback: each request is refused at once. */
  private static KubernetesClient clientOfAGoneApiServer(int retries) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withRequestRetryBackoffLimit(retries)
            .withRequestRetryBackoffInterval(100).build())
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  @Test
  void aReleaseThatRetriesPastTheBoundIsGivenUpAtIt() {
    // the operator's client retries 10 times with a doubling back-off from 100 ms: far past 300 ms
    try (KubernetesClient client = clientOfAGoneApiServer(10)) {
      assertThatThrownBy(() -> OperatorProcess.releaseLease(client, "mesh-operator", "pod-0", Duration.ofMillis(300)))
          .isInstanceOf(TimeoutException.class);
    }
  }

  @Test
  void positiveControlAReleaseThatEndsWithinTheBoundReportsItsOwnOutcome() {
    // the same refusal without retries ends at once, and the caller sees the client's error
    try (KubernetesClient client = clientOfAGoneApiServer(0)) {
      assertThatThrownBy(() -> OperatorProcess.releaseLease(client, "mesh-operator", "pod-0", Duration.ofSeconds(30)))
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(e).hasMessageContaining("Lease"));
    }
  }
}
