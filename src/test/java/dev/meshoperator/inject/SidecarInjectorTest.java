package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Refusals and re-injection; the rendered shape itself is covered by the golden test. */
class SidecarInjectorTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final InjectionSettings S = InjectionSettings.defaults();

  private static Pod pod(Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata().withName("p").withNamespace("ns").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .build();
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  private static Container proxy(Pod p) {
    return p.getSpec().getContainers().stream().filter(c -> c.getName().equals("istio-proxy")).findFirst()
        .orElseThrow();
  }

  @Test
  void invalidAnnotationsRefuseThePodWithEveryMessage() {
    Pod input = pod(Map.of("sidecar.istio.io/proxyCPU", "lots", "traffic.sidecar.istio.io/excludeInboundPorts", "x"));
    String before = SERIALIZATION.asJson(input);

    InjectionResult r = SidecarInjector.inject(input, S);

    assertThat(r.ok()).isFalse();
    assertThat(r.pod()).isNull();
    assertThat(r.errors()).containsExactly(
        "annotation traffic.sidecar.istio.io/excludeInboundPorts: \"x\" is not a comma-separated list of ports (1-65535)",
        "annotation sidecar.istio.io/proxyCPU: \"lots\" is not a valid quantity");
    assertThat(r.message()).isEqualTo(String.join("; ", r.errors()));
    assertThat(SERIALIZATION.asJson(input)).isEqualTo(before);
  }

  @Test
  void containersWithoutANameOrNullAreRefusedWithTheFieldNotAnException() {
    // Found by AdmissionFuzzTest: the API server validates a pod after the mutating webhooks, so
    // such a pod reaches the injector; it used to end in a NullPointerException (a 500 denial).
    Pod unnamed = new PodBuilder(pod(Map.of())).editSpec().addNewContainer().withImage("x:1").endContainer()
        .addNewInitContainer().withName("").withImage("y:1").endInitContainer().endSpec().build();
    InjectionResult r = SidecarInjector.inject(unnamed, S);
    assertThat(r.ok()).isFalse();
    assertThat(r.errors()).containsExactly("spec.containers[1].name: required", "spec.initContainers[0].name: required");

    Pod withNull = pod(Map.of());
    withNull.getSpec().getContainers().add(null);
    assertThat(SidecarInjector.inject(withNull, S).errors()).containsExactly("spec.containers[1]: must be a container, not null");
  }

  @Test
  void nullListElementsAreRefusedWithTheFieldNotAnException() {
    // Found by AdmissionFuzzTest: {"ports": [null]} ended in a NullPointerException in ProxyContainer.
    Pod input = pod(Map.of());
    input.getSpec().getContainers().get(0).setPorts(new java.util.ArrayList<>(java.util.Collections.singletonList(null)));
    InjectionResult r = SidecarInjector.inject(input, S);
    assertThat(r.ok()).isFalse();
    assertThat(r.errors()).containsExactly("spec.containers[0].ports[0]: must not be null");
  }

  @Test
  void namelessVolumesAndPullSecretsAreRefusedWithTheFieldNotAnException() {
    // Found by AdmissionFuzzTest (100,000-input run): a volume without a name beside an earlier
    // injection's sidecar.istio.io/status ended in a NullPointerException in PriorInjection.
    Pod input = pod(Map.of());
    input.getSpec().setVolumes(new java.util.ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.Volume())));
    input.getSpec().setImagePullSecrets(new java.util.ArrayList<>(
        List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference())));
    InjectionResult first = SidecarInjector.inject(input, S);
    assertThat(first.ok()).isFalse();
    assertThat(first.errors()).containsExactly("spec.volumes[0].name: required", "spec.imagePullSecrets[0].name: required");

    Pod injected = SidecarInjector.inject(pod(Map.of()), S).pod();
    injected.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.Volume());
    InjectionResult again = SidecarInjector.inject(injected, S);
    assertThat(again.ok()).isFalse();
    assertThat(again.errors()).anyMatch(e -> e.startsWith("spec.volumes[") && e.endsWith("].name: required"));
  }

  @Test
  void nullLabelOrAnnotationValuesAreRefusedWithTheFieldNotAnException() {
    // Found by AdmissionFuzzTest: {"labels": {"app": null}} ended in Map.copyOf's NullPointerException.
    java.util.HashMap<String, String> annotations = new java.util.HashMap<>();
    annotations.put("note", null);
    Pod input = pod(annotations);
    input.getMetadata().setLabels(new java.util.HashMap<>());
    input.getMetadata().getLabels().put("app", null);
    InjectionResult r = SidecarInjector.inject(input, S);
    assertThat(r.ok()).isFalse();
    assertThat(r.errors()).containsExactly("metadata.labels[app]: must be a string, not null",
        "metadata.annotations[note]: must be a string, not null");
  }

  @Test
  void userContainerNamedIstioProxyCustomisesTheInjectedOneInsteadOfBeingRefused() {
    Pod input = new PodBuilder(pod(Map.of()))
        .editSpec().addNewContainer().withName("istio-proxy").withImage("auto")
          .addNewEnv().withName("EXTRA").withValue("1").endEnv().endContainer().endSpec().build();
    InjectionResult r = SidecarInjector.inject(input, S);
    assertThat(r.errors()).isEmpty();
    List<Container> proxies = r.pod().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("istio-proxy")).toList();
    assertThat(proxies).hasSize(1);
    assertThat(proxies.get(0).getImage()).isEqualTo(S.proxyImage());
    assertThat(env(proxies.get(0), "EXTRA")).isEqualTo("1");
    assertThat(env(proxies.get(0), "CA_ADDR")).isEqualTo(S.caAddress());
  }

  @Test
  void userVolumeWithASidecarNameIsRefused() {
    Pod input = new PodBuilder(pod(Map.of()))
        .editSpec().addNewVolume().withName("istio-data").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
    assertThat(SidecarInjector.inject(input, S).errors()).containsExactly(
        "pod already has a volume named istio-data, which the sidecar needs; rename it");
  }

  @Test
  void unreadableStatusAnnotationIsRefused() {
    InjectionResult r = SidecarInjector.inject(pod(Map.of("sidecar.istio.io/status", "{oops")), S);
    assertThat(r.errors()).containsExactly(
        "annotation sidecar.istio.io/status: \"{oops\" is not JSON; it records an earlier injection, remove it to inject afresh");
  }

  @Test
  void namespaceArgumentFeedsTheOwnerWithoutChangingThePod() {
    Pod input = new PodBuilder(pod(Map.of())).editMetadata().withNamespace(null).endMetadata().build();
    Pod out = SidecarInjector.inject(input, "from-request", S).pod();
    assertThat(env(proxy(out), "ISTIO_META_OWNER")).isEqualTo("kubernetes://apis/v1/namespaces/from-request/pods/p");
    assertThat(out.getMetadata().getNamespace()).isNull();
  }

  @Test
  void reinjectionByAnotherRevisionReplacesTheSidecarRatherThanAddingOne() {
    Pod once = SidecarInjector.inject(pod(Map.of()), S).pod();
    InjectionSettings canary = S.toBuilder().revision("canary").build();

    Pod again = SidecarInjector.inject(once, canary).pod();

    assertThat(again.getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "istio-proxy");
    assertThat(again.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("istio-init");
    assertThat(again.getSpec().getVolumes()).hasSameSizeAs(once.getSpec().getVolumes());
    assertThat(env(proxy(again), "CA_ADDR")).isEqualTo("istiod-canary.istio-system.svc:15012");
    assertThat(again.getMetadata().getAnnotations()).containsEntry("istio.io/rev", "canary");
    assertThat(again.getMetadata().getAnnotations().get("sidecar.istio.io/status")).contains("\"revision\":\"canary\"");
  }

  @Test
  void reinjectionSeesContainersAddedSinceTheFirstInjection() {
    Pod once = SidecarInjector.inject(pod(Map.of()), S).pod();
    Pod grown = new PodBuilder(once)
        .editSpec().addNewContainer().withName("late").withImage("late:1").endContainer().endSpec().build();

    Pod again = SidecarInjector.inject(grown, S).pod();

    assertThat(again.getSpec().getContainers()).extracting(Container::getName)
        .containsExactly("app", "late", "istio-proxy");
    assertThat(env(proxy(again), "ISTIO_META_APP_CONTAINERS")).isEqualTo("app,late");
  }

  @Test
  void lifecycleHooksGoToTheAgentAndComeBackWhenTheProbeRewriteIsTurnedOff() {
    Pod user = new PodBuilder(pod(Map.of())).editSpec().editFirstContainer()
        .addNewPort().withName("http").withContainerPort(8080).endPort()
        .withNewLifecycle()
        .withNewPreStop().withNewHttpGet().withPath("/drain").withNewPort("http").endHttpGet().endPreStop()
        .withNewPostStart().withNewExec().withCommand("/bin/warm").endExec().endPostStart()
        .endLifecycle().endContainer().endSpec().build();

    Pod injected = SidecarInjector.inject(user, S).pod();
    var hooks = injected.getSpec().getContainers().get(0).getLifecycle();
    assertThat(hooks.getPreStop().getHttpGet().getPath()).isEqualTo("/app-lifecycle/app/prestopz");
    assertThat(hooks.getPreStop().getHttpGet().getPort().getIntVal()).isEqualTo(15020);
    assertThat(hooks.getPostStart().getExec().getCommand()).containsExactly("/bin/warm");
    assertThat(env(proxy(injected), "ISTIO_KUBE_APP_PROBERS"))
        .isEqualTo("{\"/app-lifecycle/app/prestopz\":{\"httpGet\":{\"path\":\"/drain\",\"port\":8080}}}");

    // Re-injected without the rewrite, the user's hook is back as written (the named port is resolved).
    Pod optedOut = new PodBuilder(injected).editMetadata()
        .addToAnnotations("sidecar.istio.io/rewriteAppHTTPProbers", "false").endMetadata().build();
    Pod again = SidecarInjector.inject(optedOut, S).pod();
    var restored = again.getSpec().getContainers().get(0).getLifecycle();
    assertThat(restored.getPreStop().getHttpGet().getPath()).isEqualTo("/drain");
    assertThat(restored.getPreStop().getHttpGet().getPort().getIntVal()).isEqualTo(8080);
    assertThat(env(proxy(again), "ISTIO_KUBE_APP_PROBERS")).isNull();
  }

  @Test
  void switchingFromNativeToClassicMovesTheProxy() {
    Pod nativePod = SidecarInjector.inject(pod(Map.of()),
        S.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()).pod();
    assertThat(nativePod.getSpec().getInitContainers()).extracting(Container::getName)
        .containsExactly("istio-init", "istio-proxy");

    Pod classic = SidecarInjector.inject(nativePod, S).pod();

    assertThat(classic.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("istio-init");
    assertThat(classic.getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "istio-proxy");
    assertThat(proxy(classic).getRestartPolicy()).isNull();
  }

  @Test
  void nativeAnnotationOverridesSettings() {
    Pod out = SidecarInjector.inject(pod(Map.of("sidecar.istio.io/nativeSidecar", "true")), S).pod();
    Container p = out.getSpec().getInitContainers().get(1);
    assertThat(p.getName()).isEqualTo("istio-proxy");
    assertThat(p.getRestartPolicy()).isEqualTo("Always");
    assertThat(p.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("pilot-agent", "request", "--debug-port=15020", "POST", "drain");
  }

  @Test
  void existingMetadataIsKept() {
    Pod input = new PodBuilder(pod(Map.of(
        "kubectl.kubernetes.io/default-container", "sidecar-of-mine",
        "prometheus.io/scrape", "false")))
        .editMetadata().addToLabels("service.istio.io/canonical-name", "custom")
        .addToLabels("security.istio.io/tlsMode", "disabled").endMetadata()
        .build();
    Pod out = SidecarInjector.inject(input, S).pod();
    assertThat(out.getMetadata().getAnnotations())
        .containsEntry("kubectl.kubernetes.io/default-container", "sidecar-of-mine")
        .containsEntry("kubectl.kubernetes.io/default-logs-container", "app")
        .containsEntry("prometheus.io/scrape", "false")
        .doesNotContainKeys("prometheus.io/port", "prometheus.io/path");
    assertThat(out.getMetadata().getLabels())
        .containsEntry("service.istio.io/canonical-name", "custom")
        .containsEntry("security.istio.io/tlsMode", "disabled")
        .containsEntry("service.istio.io/canonical-revision", "latest");
  }

  @Test
  void injectedAnnotationsFromSettingsOverwrite() {
    InjectionSettings s = S.toBuilder().injectedAnnotations(Map.of("team", "mesh")).build();
    Pod out = SidecarInjector.inject(pod(Map.of("team", "app")), s).pod();
    assertThat(out.getMetadata().getAnnotations()).containsEntry("team", "mesh");
  }

  @Test
  void podWithoutMetadataOrSpecStillGetsASidecar() {
    InjectionResult r = SidecarInjector.inject(new Pod(), S);
    assertThat(r.ok()).isTrue();
    assertThat(r.pod().getSpec().getContainers()).extracting(Container::getName).containsExactly("istio-proxy");
    assertThat(r.pod().getMetadata().getAnnotations()).doesNotContainKey("kubectl.kubernetes.io/default-container");
  }

  @Test
  void statusRecordsWhatWasInjected() {
    Pod out = SidecarInjector.inject(pod(Map.of("sidecar.istio.io/interceptionMode", "NONE")), S).pod();
    InjectionStatus status = InjectionStatus.parse(out.getMetadata().getAnnotations().get("sidecar.istio.io/status"));
    assertThat(status.initContainers()).isEmpty();
    assertThat(status.containers()).containsExactly("istio-proxy");
    assertThat(status.volumes()).containsExactlyElementsOf(
        out.getSpec().getVolumes().stream().map(v -> v.getName()).toList());
    assertThat(out.getSpec().getInitContainers()).isNull();
    assertThat(out.getMetadata().getAnnotations().get("sidecar.istio.io/status"))
        .startsWith("{\"initContainers\":null,\"containers\":[\"istio-proxy\"]");
    assertThat(List.of(status.revision())).containsExactly("default");
  }
}
