package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** What a failed step's status message says: the API server's words first (InvalidValuesIT sees it from a real one). */
class ReconcileStepExceptionTest {
  private static final String REFUSAL = "Deployment.apps \"istiod\" is invalid: spec.template.spec.nodeSelector: Invalid value:"
      + " \"bad key!\": name part must consist of alphanumeric characters";

  @Test
  void anApiRefusalSaysTheApiServersMessageWithoutTheRequestsUrl() {
    var status = new StatusBuilder().withCode(422).withReason("Invalid").withMessage(REFUSAL).build();
    var refusal = new KubernetesClientException("Failure executing: PATCH at: https://10.0.0.1/apis/apps/v1/namespaces/"
        + "istio-system/deployments/istiod?fieldValidation=Ignore&fieldManager=mesh-operator&force=true. Message: "
        + REFUSAL + ". Received status: Status(apiVersion=v1, code=422, ...).", 422, status);

    var e = new ReconcileStepException("ApplyFailed", "apply Deployment/istio-system/istiod", refusal);

    assertThat(e.getMessage()).isEqualTo("apply Deployment/istio-system/istiod: " + REFUSAL);
    assertThat(e.reason()).isEqualTo("ApplyFailed");
    assertThat(e.getCause()).isSameAs(refusal);
  }

  @Test
  void otherFailuresKeepTheirFirstLineCutAt400Characters() {
    assertThat(ReconcileStepException.summary(new IOException("connection refused\n\tat somewhere")))
        .isEqualTo("connection refused");
    assertThat(ReconcileStepException.summary(new KubernetesClientException("no status here")))
        .isEqualTo("no status here");
    assertThat(ReconcileStepException.summary(new IllegalStateException("x".repeat(500))))
        .hasSize(403).endsWith("...");
    assertThat(ReconcileStepException.summary(new IllegalStateException())).isEqualTo("IllegalStateException");
  }
}
