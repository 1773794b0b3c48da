package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LeanPods} reads from a pod list exactly the facts that fabric8's full model holds for the
 * fields analyze looks at, for pods as the API server returns them (captured from a local cluster:
 * one injected by our webhook with a native sidecar, one never injected) and variations of them.
 */
class LeanPodsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static ObjectNode resource(String name) throws IOException {
    try (InputStream in = LeanPodsTest.class.getResourceAsStream("/analyze/" + name)) {
      return (ObjectNode) JSON.readTree(in);
    }
  }

  /** The representative pods, each with a name saying what it is. */
  private static List<ObjectNode> pods() throws IOException {
    List<ObjectNode> pods = new ArrayList<>();
    ObjectNode nativeSidecar = resource("injected-pod.json");
    pods.add(named(nativeSidecar, "native-sidecar"));

    // The sidecar as a regular container (clusters without native sidecars, older injectors).
    ObjectNode classic = named(nativeSidecar.deepCopy(), "classic-sidecar");
    ArrayNode init = (ArrayNode) classic.path("spec").path("initContainers");
    ObjectNode proxy = (ObjectNode) init.remove(1);
    ((ArrayNode) classic.path("spec").path("containers")).add(proxy);
    pods.add(classic);

    // A custom proxy image asked for by annotation, and an opt-out label, hostNetwork.
    ObjectNode custom = named(nativeSidecar.deepCopy(), "custom-image");
    ((ObjectNode) custom.path("metadata").path("annotations")).put("sidecar.istio.io/proxyImage", "registry.example/proxyv2:custom");
    ((ObjectNode) custom.path("spec").path("initContainers").get(1)).put("image", "registry.example/proxyv2:custom");
    ((ObjectNode) custom.path("metadata")).putObject("labels").put("sidecar.istio.io/inject", "false").put("app", "\u00e9t\u00e9 \"quoted\"");
    ((ObjectNode) custom.path("spec")).put("hostNetwork", true);
    pods.add(custom);

    // Never injected, owned by a ReplicaSet (controller) and something else, being deleted.
    ObjectNode plain = named(resource("plain-pod.json"), "plain-owned");
    ArrayNode owners = ((ObjectNode) plain.path("metadata")).putArray("ownerReferences");
    owners.addObject().put("apiVersion", "apps/v1").put("kind", "ReplicaSet").put("name", "app-7d9f").put("uid", "u1")
        .put("controller", true).put("blockOwnerDeletion", true);
    owners.addObject().put("apiVersion", "v1").put("kind", "ConfigMap").put("name", "cm").put("uid", "u2");
    ((ObjectNode) plain.path("metadata")).put("deletionTimestamp", "2026-12-03T12:00:00Z").put("deletionGracePeriodSeconds", 30);
    pods.add(plain);

    // Missing fields: no labels, annotations, initContainers, status; explicit nulls.
    ObjectNode sparse = named(resource("plain-pod.json"), "sparse");
    ObjectNode meta = (ObjectNode) sparse.path("metadata");
    meta.remove("labels");
    meta.putNull("annotations");
    meta.remove("ownerReferences");
    sparse.remove("status");
    ((ObjectNode) sparse.path("spec")).putNull("hostNetwork");
    ((ObjectNode) sparse.path("spec").path("containers").get(0)).remove("image");
    pods.add(sparse);

    // Only a name: no spec, no status, a null field at the top.
    ObjectNode bare = F.objectNode();
    bare.putObject("metadata").put("name", "bare").put("namespace", "scale-late");
    bare.putNull("status");
    pods.add(bare);
    return pods;
  }

  private static ObjectNode named(ObjectNode pod, String name) {
    ((ObjectNode) pod.path("metadata")).put("name", name);
    return pod;
  }

  private static byte[] list(List<ObjectNode> pods, String continueToken) throws IOException {
    ObjectNode list = F.objectNode().put("kind", "PodList").put("apiVersion", "v1");
    ObjectNode meta = list.putObject("metadata").put("resourceVersion", "12345");
    if (continueToken != null) {
      meta.put("continue", continueToken).put("remainingItemCount", 7);
    }
    list.putArray("items").addAll(pods);
    return JSON.writeValueAsBytes(list);
  }

  /** What analyze may read of a full pod: the fields LeanPods keeps, nothing else. */
  static Pod project(Pod full) {
    Pod pod = new Pod();
    if (full.getMetadata() != null) {
      ObjectMeta m = full.getMetadata();
      ObjectMeta meta = new ObjectMeta();
      meta.setName(m.getName());
      meta.setNamespace(m.getNamespace());
      meta.setLabels(m.getLabels());
      meta.setAnnotations(m.getAnnotations());
      meta.setDeletionTimestamp(m.getDeletionTimestamp());
      meta.setOwnerReferences(m.getOwnerReferences() == null ? null : m.getOwnerReferences().stream().map(r -> {
        OwnerReference ref = new OwnerReference();
        ref.setKind(r.getKind());
        ref.setName(r.getName());
        ref.setController(r.getController());
        return ref;
      }).toList());
      pod.setMetadata(meta);
    }
    if (full.getSpec() != null) {
      PodSpec spec = new PodSpec();
      spec.setContainers(containers(full.getSpec().getContainers()));
      spec.setInitContainers(containers(full.getSpec().getInitContainers()));
      spec.setHostNetwork(full.getSpec().getHostNetwork());
      pod.setSpec(spec);
    }
    if (full.getStatus() != null) {
      PodStatus status = new PodStatus();
      status.setPhase(full.getStatus().getPhase());
      pod.setStatus(status);
    }
    return pod;
  }

  private static List<Container> containers(List<Container> full) {
    return full == null ? null : full.stream().map(c -> {
      Container container = new Container();
      container.setName(c.getName());
      container.setImage(c.getImage());
      return container;
    }).toList();
  }

  private static List<Pod> lean(byte[] list) throws IOException {
    List<Pod> read = new ArrayList<>();
    LeanPods.page(new ByteArrayInputStream(list), read::add);
    return read;
  }

  @Test
  void readsTheSameFactsAsTheFullModelForRepresentativePods() throws IOException {
    byte[] list = list(pods(), null);
    List<Pod> full = new KubernetesSerialization().unmarshal(new String(list, StandardCharsets.UTF_8), PodList.class).getItems();

    List<Pod> lean = lean(list);

    assertThat(lean).hasSize(6);
    assertThat(lean).isEqualTo(full.stream().map(LeanPodsTest::project).toList());
    // Positive control: the full model holds much more, which the comparison above left out.
    assertThat(lean.get(0)).isNotEqualTo(full.get(0));
    assertThat(full.get(0).getSpec().getVolumes()).isNotEmpty();
    assertThat(lean.get(0).getSpec().getVolumes()).isEmpty();
    // The facts themselves, spelled out for the captured injected pod.
    Pod injected = lean.get(0);
    assertThat(injected.getMetadata().getAnnotations()).containsKey("sidecar.istio.io/status");
    assertThat(AnalyzeCommand.proxy(injected)).get().extracting(Container::getImage).isEqualTo("docker.io/istio/proxyv2:1.32.0");
    assertThat(AnalyzeCommand.proxy(lean.get(1))).get().extracting(Container::getImage).isEqualTo("docker.io/istio/proxyv2:1.32.0");
    assertThat(lean.get(1).getSpec().getContainers()).extracting(Container::getName).containsExactly("app", "istio-proxy");
    assertThat(lean.get(2).getMetadata().getLabels()).containsEntry("app", "\u00e9t\u00e9 \"quoted\"");
    assertThat(lean.get(3).getMetadata().getOwnerReferences()).extracting(OwnerReference::getKind, OwnerReference::getController)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ReplicaSet", true), org.assertj.core.groups.Tuple.tuple("ConfigMap", null));
    assertThat(lean.get(3).getMetadata().getDeletionTimestamp()).isEqualTo("2026-12-03T12:00:00Z");
    assertThat(lean.get(4).getMetadata().getAnnotations()).isNull();
    assertThat(lean.get(4).getStatus()).isNull();
    assertThat(lean.get(5).getSpec()).isNull();
  }

  @Test
  void injectionDecisionsAndSidecarsAreTheSameOnLeanAndFullPods() throws IOException {
    byte[] list = list(pods().subList(0, 5), null); // the bare pod has no spec: analyze never sees one
    List<Pod> full = new KubernetesSerialization().unmarshal(new String(list, StandardCharsets.UTF_8), PodList.class).getItems();
    List<Pod> lean = lean(list);
    InjectionSettings settings = InjectionSettingsFactory.from(Profiles.resolve("demo", new MeshInstallSpec()), true);
    Map<String, String> nsLabels = Map.of("istio-injection", "enabled");

    for (int i = 0; i < full.size(); i++) {
      assertThat(InjectionPolicy.decide(lean.get(i), nsLabels, "scale-0000", settings))
          .as(full.get(i).getMetadata().getName())
          .isEqualTo(InjectionPolicy.decide(full.get(i), nsLabels, "scale-0000", settings));
      assertThat(AnalyzeCommand.proxy(lean.get(i))).isEqualTo(AnalyzeCommand.proxy(full.get(i)).map(c -> containers(List.of(c)).get(0)));
    }
    // Positive control: the decisions differ between these pods (the opt-out and hostNetwork one).
    assertThat(InjectionPolicy.decide(lean.get(2), nsLabels, "scale-0000", settings).inject()).isFalse();
    assertThat(InjectionPolicy.decide(lean.get(4), nsLabels, "scale-0000", settings).inject()).isTrue();
  }

  @Test
  void theContinueTokenIsReadFromTheListMetadata() throws IOException {
    assertThat(LeanPods.continueToken(list(pods(), "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"))).isEqualTo("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
    assertThat(LeanPods.continueToken(list(pods(), null))).isNull();
    assertThat(LeanPods.continueToken(list(pods(), ""))).isNull();
    // Items before metadata (not how the API server writes it) still give the token.
    byte[] itemsFirst = "{\"items\":[{\"metadata\":{\"name\":\"a\"}}],\"metadata\":{\"continue\":\"t\"}}".getBytes(StandardCharsets.UTF_8);
    assertThat(LeanPods.continueToken(itemsFirst)).isEqualTo("t");
    assertThat(lean(itemsFirst)).extracting(p -> p.getMetadata().getName()).containsExactly("a");
  }

  @Test
  void somethingThatIsNotAPodListIsAnError() {
    assertThatThrownBy(() -> lean("[1,2]".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class)
        .hasMessageContaining("expected START_OBJECT");
    assertThatThrownBy(() -> lean("{\"items\":[{\"metadata\":{\"name\":{\"x\":1}}}]}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class).hasMessageContaining("expected a string");
  }
}
