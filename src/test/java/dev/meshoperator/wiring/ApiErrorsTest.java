package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {
  @Test
  void anApiRefusalIsTheApiServersMessage() {
    var status = new StatusBuilder().withCode(409).withReason("Conflict")
        .withMessage("Operation cannot be fulfilled on deployments.apps \"istiod\": the object has been modified").build();
    var e = new KubernetesClientException("Failure executing: PUT at: https://10.0.0.1/apis/apps/v1/namespaces/istio-system/"
        + "deployments/istiod. Message: Operation cannot be fulfilled ... Received status: Status(code=409, ...).", 409, status);

    assertThat(ApiErrors.message(e))
        .isEqualTo("Operation cannot be fulfilled on deployments.apps \"istiod\": the object has been modified");
  }

  @Test
  void withoutAStatusMessageItIsTheExceptionsOwn() {
    assertThat(ApiErrors.message(new KubernetesClientException("An error has occurred.", new ConnectException("refused"))))
        .isEqualTo("An error has occurred.");
    assertThat(ApiErrors.message(new KubernetesClientException("x", 500, new StatusBuilder().withMessage(" ").build())))
        .isEqualTo("x");
    assertThat(ApiErrors.message(new ConnectException("connection refused"))).isEqualTo("connection refused");
    assertThat(ApiErrors.message(new IllegalStateException())).isEqualTo("IllegalStateException");
  }
}
