package dev.meshoperator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.JsonPatches;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's decision pipeline for one revision: decide (Istio's who-gets-injected rules),
 * inject (pure mutation), diff into a JSON Patch. Everything here but the namespace-label lookup is
 * pure; the lookup is a function so tests and the CLI can feed labels directly.
 */
public final class InjectionAdmissionHandler implements AdmissionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(InjectionAdmissionHandler.class);
  static final String SKIP_NOT_POD_CREATE = "not_pod_create";

  private final InjectionSettings settings;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final KubernetesSerialization serialization;

  public InjectionAdmissionHandler(InjectionSettings settings,
      Function<String, Map<String, String>> namespaceLabels, KubernetesSerialization serialization) {
    this.settings = settings;
    this.namespaceLabels = namespaceLabels;
    this.serialization = serialization;
  }

  @Override
  public AdmissionResponse handle(AdmissionRequest request) {
    String uid = request.getUid();
    // The webhook configuration only sends pod CREATEs; anything else is let through untouched
    // rather than refused, so a widened rule cannot block unrelated writes.
    if (request.getKind() == null || !"Pod".equals(request.getKind().getKind())
        || !"CREATE".equals(request.getOperation())) {
      return AdmissionCodec.skip(uid, SKIP_NOT_POD_CREATE);
    }
    if (!(request.getObject() instanceof Pod pod)) {
      return AdmissionCodec.deny(uid, 400, "the admission request carries no pod object");
    }
    String namespace = request.getNamespace();
    Decision decision = InjectionPolicy.decide(pod, namespaceLabels.apply(namespace), namespace, settings);
    String podName = podName(pod, namespace);
    if (!decision.inject()) {
      LOG.debug("not injecting {}: {}", podName, decision.reason());
      return AdmissionCodec.skip(uid, decision.code().metricValue());
    }
    InjectionResult result = SidecarInjector.inject(pod, namespace, settings);
    if (!result.ok()) {
      LOG.info("refusing {}: {}", podName, result.message());
      return AdmissionCodec.deny(uid, 400, "sidecar injection refused for pod " + podName + ": "
          + result.message());
    }
    JsonNode before = serialization.convertValue(pod, JsonNode.class);
    JsonNode after = serialization.convertValue(result.pod(), JsonNode.class);
    ArrayNode patch = JsonPatches.diff(before, after);
    LOG.debug("injecting {} (revision {}): {} patch operations", podName, settings.revisionName(), patch.size());
    return patch.isEmpty() ? AdmissionCodec.allow(uid) : AdmissionCodec.patch(uid, patch.toString());
  }

  private static String podName(Pod pod, String namespace) {
    var meta = pod.getMetadata();
    String name = meta == null ? null
        : meta.getName() != null ? meta.getName()
        : meta.getGenerateName() != null ? meta.getGenerateName() + "*" : null;
    return namespace + "/" + (name == null ? "<unnamed>" : name);
  }
}
