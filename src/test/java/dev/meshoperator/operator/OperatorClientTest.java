package dev.meshoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import org.junit.jupiter.api.Test;

/**
 * The operator's own client maps JSON with the admission path's serialization (one mapping per
 * process, Blackbird instead of reflection) and keeps the base client's settings. No request is
 * sent: building a client does not contact the API server.
 */
class OperatorClientTest {
  private static KubernetesClient base() {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withNamespace("elsewhere").build())
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  @Test
  void theOperatorsClientUsesTheOneKubernetesMappingAndTheBaseSettings() {
    try (KubernetesClient base = base(); KubernetesClient client = OperatorProcess.clientFor(base, "agent-x")) {
      assertThat(client.getKubernetesSerialization()).isSameAs(KubeJson.serialization());
      assertThat(client.getConfiguration().getUserAgent()).isEqualTo("agent-x");
      assertThat(client.getConfiguration().getMasterUrl()).isEqualTo(base.getConfiguration().getMasterUrl());
      assertThat(client.getConfiguration().getNamespace()).isEqualTo("elsewhere");
      // and it maps the model as fabric8's own mapping does
      var pod = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
          .addNewContainer().withName("c").withImage("i").endContainer().endSpec().build();
      assertThat(client.getKubernetesSerialization().asJson(pod)).isEqualTo(base.getKubernetesSerialization().asJson(pod));
    }
  }

  @Test
  void positiveControlAClientBuiltWithoutItHasAMappingOfItsOwn() {
    try (KubernetesClient base = base()) {
      assertThat(base.getKubernetesSerialization()).isNotSameAs(KubeJson.serialization());
    }
  }

  /** Its informers' watches are HTTP streams on the client's HTTP/2 connection, not a WebSocket (and a connection) each. */
  @Test
  void theOperatorsClientWatchesOverHttpAndKeepsHttp2() {
    try (KubernetesClient base = base(); KubernetesClient client = OperatorProcess.clientFor(base, "agent-x")) {
      assertThat(client.getConfiguration().isOnlyHttpWatches()).isTrue();
      assertThat(client.getConfiguration().isHttp2Disable()).isFalse();
      // positive control: fabric8's default is a WebSocket per watch
      assertThat(base.getConfiguration().isOnlyHttpWatches()).isFalse();
    }
  }
}
