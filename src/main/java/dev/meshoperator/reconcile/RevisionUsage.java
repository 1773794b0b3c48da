package dev.meshoperator.reconcile;

import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the cluster says about an install's revisions: how many pods carry each revision's sidecar
 * (the injector writes the revision into the pod's {@code istio.io/rev} annotation), and which
 * istiod Deployments of the install run, at which version (their image tag).
 */
final class RevisionUsage {
  static final String REV_ANNOTATION = "istio.io/rev";

  private RevisionUsage() {}

  /** Pods not yet finished, by the revision that injected them. */
  static Map<String, Integer> podsByRevision(KubernetesClient client) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        continue;
      }
      Map<String, String> annotations = pod.getMetadata().getAnnotations();
      String rev = annotations == null ? null : annotations.get(REV_ANNOTATION);
      if (rev != null && annotations.containsKey("sidecar.istio.io/status")) {
        counts.merge(rev, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The install's istiod Deployments not being deleted: revision to version. */
  static Map<String, String> runningRevisions(KubernetesClient client, String install) {
    Map<String, String> running = new TreeMap<>();
    for (Deployment d : client.apps().deployments().inAnyNamespace()
        .withLabel(Labels.INSTALL, install).withLabel(Labels.COMPONENT, Labels.COMPONENT_ISTIOD).list().getItems()) {
      if (d.getMetadata().getDeletionTimestamp() != null || d.getMetadata().getLabels() == null) {
        continue;
      }
      String rev = d.getMetadata().getLabels().get(Labels.ISTIO_REV);
      String image = d.getSpec().getTemplate().getSpec().getContainers().isEmpty() ? null
          : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      if (rev != null && image != null && image.lastIndexOf(':') > image.lastIndexOf('/')) {
        running.put(rev, image.substring(image.lastIndexOf(':') + 1));
      }
    }
    return running;
  }
}
