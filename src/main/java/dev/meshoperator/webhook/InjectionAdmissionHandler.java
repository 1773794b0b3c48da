package dev.meshoperator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.DecisionCode;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.JsonPatches;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /** Skips decided from the namespace's labels, which a stale cache can get wrong. */
  private static final Set<DecisionCode> FROM_NAMESPACE_LABELS =
      Set.of(DecisionCode.NOT_SELECTED, DecisionCode.NAMESPACE_DISABLED, DecisionCode.OTHER_REVISION);

  private final InjectionSettings settings;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final Function<String, Map<String, String>> freshNamespaceLabels;
  private final KubernetesSerialization serialization;
  private final List<String> warnings;
  private final PatchMemo memo;

  public InjectionAdmissionHandler(InjectionSettings settings,
      Function<String, Map<String, String>> namespaceLabels, KubernetesSerialization serialization) {
    this(settings, namespaceLabels, namespaceLabels, serialization, List.of());
  }

  /**
   * As {@link #InjectionAdmissionHandler(InjectionSettings, Function, KubernetesSerialization)},
   * reusing patches from {@code memo}.
   */
  public InjectionAdmissionHandler(InjectionSettings settings,
      Function<String, Map<String, String>> namespaceLabels, KubernetesSerialization serialization, PatchMemo memo) {
    this(settings, namespaceLabels, namespaceLabels, serialization, List.of(), memo);
  }

  /**
   * @param namespaceLabels labels as cached (fast, may lag behind a label just set)
   * @param freshNamespaceLabels labels read from the API server, asked only when the cached ones
   *     would let the pod through: the API server called this revision's webhook because the
   *     namespace's labels asked for it, so "not selected" means the cache is behind
   * @param warnings added to every answer (the client that created the pod prints them)
   */
  public InjectionAdmissionHandler(InjectionSettings settings,
      Function<String, Map<String, String>> namespaceLabels,
      Function<String, Map<String, String>> freshNamespaceLabels,
      KubernetesSerialization serialization, List<String> warnings) {
    this(settings, namespaceLabels, freshNamespaceLabels, serialization, warnings, null);
  }

  /**
   * @param memo patches of pods injected before, answered again for the same pod with the same
   *     settings and namespace labels (see {@link PatchMemo}); null to compute every patch
   */
  public InjectionAdmissionHandler(InjectionSettings settings,
      Function<String, Map<String, String>> namespaceLabels,
      Function<String, Map<String, String>> freshNamespaceLabels,
      KubernetesSerialization serialization, List<String> warnings, PatchMemo memo) {
    this.memo = memo;
    this.settings = settings;
    this.namespaceLabels = namespaceLabels;
    this.freshNamespaceLabels = freshNamespaceLabels;
    this.serialization = serialization;
    this.warnings = List.copyOf(warnings);
  }

  @Override
  public AdmissionResponse handle(AdmissionRequest request) {
    AdmissionResponse response = decide(request);
    return warnings.isEmpty() ? response : response.toBuilder().addAllToWarnings(warnings).build();
  }

  private AdmissionResponse decide(AdmissionRequest request) {
    String uid = request.getUid();
    // The webhook configuration only sends pod CREATEs; anything else is let through untouched
    // rather than refused, so a widened rule cannot block unrelated writes.
    if (request.getKind() == null || !"Pod".equals(request.getKind().getKind())
        || !"CREATE".equals(request.getOperation())) {
      return AdmissionCodec.skip(uid, SKIP_NOT_POD_CREATE);
    }
    // The pod as the API server sent it; its patch may be known from an identical pod before, and
    // then the pod is not read into the model at all.
    AdmissionCodec.PodRequest podRequest = request instanceof AdmissionCodec.PodRequest r && r.podJson() != null
        ? r : null;
    JsonNode sent = podRequest == null ? null : podRequest.podJson();
    if (sent == null && !(request.getObject() instanceof Pod)) {
      return AdmissionCodec.deny(uid, 400, "the admission request carries no pod object");
    }
    String namespace = request.getNamespace();
    Map<String, String> labels = namespaceLabels.apply(namespace);
    PatchMemo.Lookup memorized = memo == null || sent == null ? null : memo.lookup(settings, namespace, labels, sent);
    byte[] known = memorized == null ? null : memorized.get();
    if (known != null) {
      // the rest of the pod is byte for byte one that was read: it is readable if its managedFields are
      podRequest.checkManagedFields();
      memorized.answered();
      if (LOG.isDebugEnabled()) {
        LOG.debug("injecting {} (revision {}): the patch of an identical pod", podName((Pod) request.getObject(),
            namespace), settings.revisionName());
      }
      return AdmissionCodec.encodedPatch(uid, known);
    }
    Pod pod = (Pod) request.getObject();
    Decision decision = InjectionPolicy.decide(pod, labels, namespace, settings);
    String podName = podName(pod, namespace);
    if (!decision.inject() && FROM_NAMESPACE_LABELS.contains(decision.code()) && freshNamespaceLabels != namespaceLabels) {
      Map<String, String> fresh = freshNamespaceLabels.apply(namespace);
      if (!fresh.equals(labels)) {
        LOG.info("namespace {} labels were stale in the cache ({} -> {}); deciding {} again", namespace, labels, fresh, podName);
        decision = InjectionPolicy.decide(pod, fresh, namespace, settings);
      }
    }
    if (!decision.inject()) {
      LOG.debug("not injecting {}: {}", podName, decision.reason());
      return AdmissionCodec.skip(uid, decision.code().metricValue());
    }
    // The request's pod, parsed for this request alone, is the injector's to change (no copy). The
    // patch starts from the pod's JSON as the API server sent it, which the API server applies it
    // to (AdmissionCodec keeps it); without it, from the pod serialized, which the injector also
    // reads (one serialization, not two).
    JsonNode before = sent != null ? sent : serialization.convertValue(pod, JsonNode.class);
    InjectionResult result = sent != null
        ? SidecarInjector.injectOwnedSent(pod, sent, namespace, settings)
        : SidecarInjector.injectOwned(pod, before, namespace, settings);
    if (!result.ok()) {
      LOG.info("refusing {}: {}", podName, result.message());
      return AdmissionCodec.deny(uid, 400, "sidecar injection refused for pod " + podName + ": "
          + result.message());
    }
    JsonNode after = serialization.convertValue(result.pod(), JsonNode.class);
    ArrayNode patch = sent != null ? JsonPatches.diffSent(sent, after) : JsonPatches.diff(before, after);
    LOG.debug("injecting {} (revision {}): {} patch operations", podName, settings.revisionName(), patch.size());
    if (patch.isEmpty()) {
      return AdmissionCodec.allow(uid);
    }
    byte[] encoded = AdmissionCodec.encodedPatch(patch);
    if (memorized != null) {
      memorized.put(encoded, patch);
    }
    return AdmissionCodec.encodedPatch(uid, encoded);
  }

  private static String podName(Pod pod, String namespace) {
    var meta = pod.getMetadata();
    String name = meta == null ? null
        : meta.getName() != null ? meta.getName()
        : meta.getGenerateName() != null ? meta.getGenerateName() + "*" : null;
    return namespace + "/" + (name == null ? "<unnamed>" : name);
  }
}
