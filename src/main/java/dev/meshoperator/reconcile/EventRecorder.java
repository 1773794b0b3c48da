package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a MeshInstall (kubectl describe mi shows them). Few by design: one per
 * reconcile that wrote something, and one per transition into Conflict or InvalidSpec. Events of a
 * cluster-scoped object live in "default", as client-go's recorder puts them. Best-effort: a failed
 * Event never fails a reconcile.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  static final String EVENT_NAMESPACE = "default";
  static final String COMPONENT = "mesh-operator";

  public void normal(KubernetesClient client, MeshInstall install, String reason, String message) {
    record(client, install, "Normal", reason, message);
  }

  public void warning(KubernetesClient client, MeshInstall install, String reason, String message) {
    record(client, install, "Warning", reason, message);
  }

  private void record(KubernetesClient client, MeshInstall install, String type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var event = new EventBuilder()
        .withNewMetadata()
          .withName(install.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
          .withNamespace(EVENT_NAMESPACE)
        .endMetadata()
        .withNewInvolvedObject()
          .withApiVersion(install.getApiVersion())
          .withKind(install.getKind())
          .withName(install.getMetadata().getName())
          .withUid(install.getMetadata().getUid())
          .withResourceVersion(install.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type)
        .withReason(reason)
        .withMessage(message.length() > 1000 ? message.substring(0, 1000) + "..." : message)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(EVENT_NAMESPACE).resource(event).create();
    } catch (RuntimeException e) {
      log.warn("could not record event {} on MeshInstall {}: {}", reason, install.getMetadata().getName(), e.getMessage());
    }
  }
}
