package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.function.Function;

/**
 * One revision's webhook: resolves the revision's settings for each request and answers from them.
 * A pod is let through without its sidecar only by a decision the user made (an opt-out label, a
 * selector, the injector turned off in the spec); when the settings cannot be resolved the call
 * fails ({@link InjectorUnavailableException}) so that the webhook's failurePolicy decides.
 */
final class RevisionAdmissionHandler implements AdmissionHandler {
  static final String SKIP_INJECTOR_DISABLED = "injector_disabled";

  private final String revision;
  private final RevisionSettings settings;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final Function<String, Map<String, String>> freshNamespaceLabels;
  private final KubernetesSerialization serialization;
  private final PatchMemo memo;

  RevisionAdmissionHandler(String revision, RevisionSettings settings,
      Function<String, Map<String, String>> namespaceLabels,
      Function<String, Map<String, String>> freshNamespaceLabels, KubernetesSerialization serialization) {
    this(revision, settings, namespaceLabels, freshNamespaceLabels, serialization, null);
  }

  /** @param memo patches to reuse across requests and revisions (null: none); see {@link PatchMemo} */
  RevisionAdmissionHandler(String revision, RevisionSettings settings,
      Function<String, Map<String, String>> namespaceLabels,
      Function<String, Map<String, String>> freshNamespaceLabels, KubernetesSerialization serialization,
      PatchMemo memo) {
    this.memo = memo;
    this.revision = revision;
    this.settings = settings;
    this.namespaceLabels = namespaceLabels;
    this.freshNamespaceLabels = freshNamespaceLabels;
    this.serialization = serialization;
  }

  @Override
  public AdmissionResponse handle(AdmissionRequest request) {
    RevisionSettings.Resolution resolution = settings.resolve(revision);
    if (resolution instanceof RevisionSettings.Serve serve) {
      return new InjectionAdmissionHandler(serve.settings(), namespaceLabels, freshNamespaceLabels, serialization,
          serve.warnings(), memo).handle(request);
    }
    boolean podCreate = request.getKind() != null && "Pod".equals(request.getKind().getKind())
        && "CREATE".equals(request.getOperation());
    if (!podCreate) {
      return AdmissionCodec.skip(request.getUid(), InjectionAdmissionHandler.SKIP_NOT_POD_CREATE);
    }
    if (resolution instanceof RevisionSettings.Disabled disabled) {
      return AdmissionCodec.skip(request.getUid(), SKIP_INJECTOR_DISABLED).toBuilder()
          .addToWarnings(RevisionSettings.clip(disabled.message())).build();
    }
    throw new InjectorUnavailableException(((RevisionSettings.Unavailable) resolution).message());
  }
}
