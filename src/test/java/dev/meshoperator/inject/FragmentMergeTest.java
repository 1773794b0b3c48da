package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The merge on objects gives what the merge over JSON trees gives, for every fragment it takes, and
 * leaves the pod untouched for a fragment it does not.
 */
class FragmentMergeTest {
  private static final KubernetesSerialization JSON = KubeJson.serialization();

  static Stream<Arguments> pairs() {
    List<Pod> pods = List.of(bare(), appPod(), podWithEverything());
    var fragments = new LinkedHashMap<String, Pod>();
    fragments.put("sidecar-like", sidecarLike());
    fragments.put("patches an app container", patchesAppContainer());
    fragments.put("replaces volumes", replacesVolume());
    fragments.put("only metadata", onlyMetadata());
    fragments.put("empty", new Pod());
    fragments.put("pull secrets", pullSecrets());
    List<Arguments> out = new ArrayList<>();
    for (Pod p : pods) {
      fragments.forEach((name, f) ->
          out.add(Arguments.of(p.getMetadata() == null ? "bare" : p.getMetadata().getName(), name, p, f)));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} + {1}")
  @MethodSource("pairs")
  void sameAsTheTreeMerge(String podName, String fragmentName, Pod pod, Pod fragment) {
    JsonNode expected = treeMerge(pod, fragment);

    Pod owned = owned(pod);
    assertThat(FragmentMerge.into(owned, JSON.clone(fragment))).isTrue();

    assertThat(JSON.convertValue(owned, JsonNode.class)).isEqualTo(expected);
  }

  static Stream<Arguments> declined() {
    Pod securityContext = sidecarLike();
    securityContext.getSpec().setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
        .withRunAsUser(5L).build());
    Pod nullContainer = sidecarLike();
    nullContainer.getSpec().getContainers().add(null);
    Pod named = sidecarLike();
    named.getMetadata().setName("x");
    Pod nullLabel = sidecarLike();
    nullLabel.getMetadata().getLabels().put("gone", null);
    Pod extra = sidecarLike();
    extra.getSpec().setAdditionalProperty("future", "field");
    Pod status = sidecarLike();
    status.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
    return Stream.of(Arguments.of("spec.securityContext", securityContext), Arguments.of("a null container", nullContainer),
        Arguments.of("metadata.name", named), Arguments.of("a null label (removes it)", nullLabel),
        Arguments.of("an unknown spec field", extra), Arguments.of("status", status));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("declined")
  void leavesOtherFragmentsToTheTreeMerge(String what, Pod fragment) {
    Pod pod = owned(podWithEverything());
    String before = JSON.asJson(pod);
    String fragmentBefore = JSON.asJson(fragment);

    assertThat(FragmentMerge.into(pod, fragment)).isFalse();

    assertThat(JSON.asJson(pod)).isEqualTo(before);
    assertThat(JSON.asJson(fragment)).isEqualTo(fragmentBefore);
  }

  // ---- the merge over trees, as SidecarInjector.merge does it ----

  private static JsonNode treeMerge(Pod pod, Pod fragment) {
    ObjectNode patch = JSON.convertValue(fragment, ObjectNode.class);
    patch.remove("apiVersion");
    patch.remove("kind");
    JsonNode merged = StrategicMerge.merge(JSON.convertValue(owned(pod), JsonNode.class), patch);
    // read back into a pod and out again, as the injector's result is written
    return JSON.convertValue(JSON.convertValue(merged, Pod.class), JsonNode.class);
  }

  /** What the injector merges into: its own copy, metadata maps and spec lists present. */
  private static Pod owned(Pod pod) {
    Pod p = JSON.clone(pod);
    if (p.getMetadata() == null) {
      p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    var m = p.getMetadata();
    m.setLabels(m.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(m.getLabels()));
    m.setAnnotations(m.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(m.getAnnotations()));
    if (p.getSpec() == null) {
      p.setSpec(new io.fabric8.kubernetes.api.model.PodSpec());
    }
    var s = p.getSpec();
    s.setContainers(s.getContainers() == null ? new ArrayList<>() : new ArrayList<>(s.getContainers()));
    s.setInitContainers(s.getInitContainers() == null ? new ArrayList<>() : new ArrayList<>(s.getInitContainers()));
    s.setVolumes(s.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(s.getVolumes()));
    return p;
  }

  // ---- pods ----

  private static Pod bare() {
    return new PodBuilder().withNewSpec().addNewContainer().withName("app").withImage("nginx").endContainer()
        .endSpec().build();
  }

  private static Pod appPod() {
    return new PodBuilder().withNewMetadata().withName("app-pod").addToLabels("app", "web")
        .addToLabels("security.istio.io/tlsMode", "mine").addToAnnotations("team", "blue").endMetadata()
        .withNewSpec()
        .addNewContainer().withName("web").withImage("nginx").addNewPort().withContainerPort(80).endPort()
        .addNewEnv().withName("A").withValue("1").endEnv()
        .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount().endContainer()
        .addNewContainer().withName("cache").withImage("redis").endContainer()
        .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  private static Pod podWithEverything() {
    return new PodBuilder().withNewMetadata().withName("full").withNamespace("ns").addToLabels("app", "x")
        .addToAnnotations("kubectl.kubernetes.io/default-container", "main").endMetadata()
        .withNewSpec()
        .addNewInitContainer().withName("setup").withImage("busybox").withRestartPolicy("Always").endInitContainer()
        .addNewContainer().withName("main").withImage("app:1")
        .withNewResources().addToRequests("cpu", new Quantity("10m")).endResources().endContainer()
        .addNewVolume().withName("cfg").withNewConfigMap().withName("cfg").endConfigMap().endVolume()
        .addNewVolume().withName("istio-envoy").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewImagePullSecret().withName("regcred").endImagePullSecret()
        .withServiceAccountName("sa").withNodeSelector(java.util.Map.of("disk", "ssd"))
        .withNewSecurityContext().withRunAsUser(1000L).endSecurityContext()
        .endSpec().build();
  }

  // ---- fragments (what templates render) ----

  private static Pod sidecarLike() {
    return new PodBuilder().withNewMetadata().addToLabels("security.istio.io/tlsMode", "istio")
        .addToLabels("service.istio.io/canonical-name", "web")
        .addToAnnotations("kubectl.kubernetes.io/default-container", "web").endMetadata()
        .withNewSpec()
        .addNewInitContainer().withName("istio-init").withImage("proxyv2").withArgs("istio-iptables", "-p", "15001")
        .endInitContainer()
        .addNewContainer().withName("istio-proxy").withImage("proxyv2").addNewEnv().withName("ISTIO_META_X")
        .withValue("y").endEnv().addNewPort().withName("http-envoy-prom").withContainerPort(15090).endPort()
        .endContainer()
        .addNewVolume().withName("istio-envoy").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
        .addNewVolume().withName("istio-data").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  /** As the gRPC templates do: an app container of the same name gets env and mounts. */
  private static Pod patchesAppContainer() {
    return new PodBuilder().withNewSpec()
        .addNewContainer().withName("web").addNewEnv().withName("A").withValue("2").endEnv()
        .addNewEnv().withName("GRPC_XDS_BOOTSTRAP").withValue("/etc/istio/proxy/grpc-bootstrap.json").endEnv()
        .addNewVolumeMount().withName("istio-xds").withMountPath("/etc/istio/proxy").endVolumeMount()
        .addNewPort().withContainerPort(80).withName("http").endPort().endContainer()
        .addNewContainer().withName("main").withImage("app:2").endContainer()
        .addNewVolume().withName("istio-xds").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  private static Pod replacesVolume() {
    return new PodBuilder().withNewSpec()
        .addNewVolume().withName("data").withNewConfigMap().withName("other").endConfigMap().endVolume()
        .addNewVolume().withName("cfg").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  private static Pod onlyMetadata() {
    return new PodBuilder().withNewMetadata().addToLabels("app", "replaced").addToAnnotations("new", "one")
        .endMetadata().build();
  }

  private static Pod pullSecrets() {
    return new PodBuilder().withNewSpec().addNewImagePullSecret().withName("regcred").endImagePullSecret()
        .addNewImagePullSecret().withName("istio-pull").endImagePullSecret().endSpec().build();
  }
}
