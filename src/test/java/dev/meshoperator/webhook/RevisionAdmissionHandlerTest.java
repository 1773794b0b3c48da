package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every way a pod of a namespace that asks for injection can be answered, without a cluster. */
class RevisionAdmissionHandlerTest {
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final List<MeshInstall> installs = new ArrayList<>();
  private final RevisionSettings settings = new RevisionSettings(() -> installs, () -> installs,
      (namespace, name) -> Optional.empty(), config -> InjectionSettingsFactory.from(config, true));
  private final AtomicInteger freshReads = new AtomicInteger();

  private AdmissionRequest request() throws Exception {
    return new AdmissionCodec(serialization).parseRequest(TestTls.podReview("u1").getBytes(StandardCharsets.UTF_8));
  }

  private void install(String spec) {
    installs.add(serialization.unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: mi, uid: uid-mi, creationTimestamp: "2026-01-01T00:00:00Z", resourceVersion: "1"}
        spec: %s
        """.formatted(spec), MeshInstall.class));
  }

  private RevisionAdmissionHandler handler(Map<String, String> cached, Map<String, String> fresh) {
    return new RevisionAdmissionHandler("r1", settings, ns -> cached, ns -> {
      freshReads.incrementAndGet();
      return fresh;
    }, serialization);
  }

  @Test
  void labelsMissingFromTheCacheAreReadAgainBeforeAPodIsLetThroughBare() throws Exception {
    install("{profile: minimal, revision: r1}");
    AdmissionResponse response = handler(Map.of(), Map.of("istio.io/rev", "r1")).handle(request());
    assertThat(freshReads).hasValue(1);
    assertThat(response.getPatch()).as("injected after the second look").isNotNull();

    // An injected pod never costs the second look.
    handler(Map.of("istio.io/rev", "r1"), Map.of()).handle(request());
    assertThat(freshReads).hasValue(1);
  }

  @Test
  void aNamespaceThatReallyDoesNotAskIsSkippedAfterTheSecondLook() throws Exception {
    install("{profile: minimal, revision: r1}");
    AdmissionResponse response = handler(Map.of(), Map.of()).handle(request());
    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getPatch()).isNull();
    assertThat(response.getAuditAnnotations()).containsEntry(AdmissionCodec.SKIP_REASON_ANNOTATION, "not_selected");
  }

  @Test
  void theInjectorTurnedOffLetsThePodThroughWithAWarning() throws Exception {
    install("{profile: minimal, revision: r1, sidecarInjector: {enabled: false}}");
    AdmissionResponse response = handler(Map.of("istio.io/rev", "r1"), Map.of()).handle(request());
    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getPatch()).isNull();
    assertThat(response.getAuditAnnotations()).containsEntry(AdmissionCodec.SKIP_REASON_ANNOTATION, "injector_disabled");
    assertThat(response.getWarnings()).singleElement().asString().contains("spec.sidecarInjector.enabled: false");
  }

  @Test
  void anUnresolvableRevisionFailsTheCall() {
    assertThatThrownBy(() -> handler(Map.of("istio.io/rev", "r1"), Map.of()).handle(request()))
        .isInstanceOf(InjectorUnavailableException.class).hasMessageContaining("no MeshInstall has revision r1");
    install("{profile: minimal, revision: r1, components: {pilot: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}}");
    assertThatThrownBy(() -> handler(Map.of("istio.io/rev", "r1"), Map.of()).handle(request()))
        .isInstanceOf(InjectorUnavailableException.class).hasMessageContaining("MeshInstall mi is invalid");
  }

  @Test
  void anEditedInstallIsNotAnsweredWithThePatchKeptForItsOldSpec() throws Exception {
    // the operator's serialization and memo (WebhookRuntime): the codec keeps the pod as sent, the memo keys on it
    KubernetesSerialization kube = dev.meshoperator.inject.KubeJson.serialization();
    AdmissionCodec codec = new AdmissionCodec(kube);
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    RevisionAdmissionHandler handler = new RevisionAdmissionHandler("r1", settings, ns -> Map.of("istio.io/rev", "r1"),
        ns -> Map.of(), kube, memo);
    install("{profile: minimal, revision: r1, hub: registry.one/istio}");
    for (int i = 0; i < 3; i++) {
      AdmissionResponse response = handler.handle(codec.parseRequest(TestTls.podReview("u" + i).getBytes(StandardCharsets.UTF_8)));
      assertThat(AdmissionCodec.decodedPatch(response)).get().asString().contains("registry.one/istio/proxyv2");
    }
    assertThat(memo.hits()).as("the second and third pods got the first's patch").isEqualTo(2);

    installs.set(0, serialization.unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: mi, uid: uid-mi, creationTimestamp: "2026-01-01T00:00:00Z", resourceVersion: "2"}
        spec: {profile: minimal, revision: r1, hub: registry.two/istio}
        """, MeshInstall.class));
    AdmissionResponse edited = handler.handle(codec.parseRequest(TestTls.podReview("u3").getBytes(StandardCharsets.UTF_8)));
    assertThat(AdmissionCodec.decodedPatch(edited)).get().asString().contains("registry.two/istio/proxyv2")
        .doesNotContain("registry.one");
    assertThat(memo.hits()).isEqualTo(2);
  }
}
