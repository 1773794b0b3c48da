package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The webhook's patch starts from the pod's JSON as the API server sent it
 * ({@link JsonPatches#diffSent}, {@link SidecarInjector#injectOwnedSent}) instead of the pod
 * serialized by the model. For every golden case, with the sent JSON spelling values as the API
 * server does where the model spells them otherwise (a zero creationTimestamp as null, ints where
 * the model has longs) plus empty lists and maps the model drops: the injected pod is the golden
 * one, the patch is the one the model's serialization gave, and the patch applied to the sent JSON
 * decodes to the injected pod.
 */
class SentJsonPatchTest {

  private static final KubernetesSerialization KUBE = KubeJson.serialization();
  private static final ObjectMapper PLAIN = new ObjectMapper();

  /** The pod as the API server would write it: its own spellings of what the model writes. */
  static ObjectNode sent(Pod pod) throws Exception {
    ObjectNode json = (ObjectNode) PLAIN.readTree(KUBE.asJson(pod)); // ints stay ints
    ObjectNode meta = (ObjectNode) json.get("metadata");
    meta.putNull("creationTimestamp");
    ObjectNode spec = (ObjectNode) json.get("spec");
    spec.putObject("nodeSelector");
    ((ObjectNode) spec.get("containers").get(0)).putArray("envFrom");
    return json;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.meshoperator.inject.SidecarInjectorGoldenTest#cases")
  void thePatchFromTheSentJsonIsTheModelsPatchAndGivesTheInjectedPod(SidecarInjectorGoldenTest.Case c)
      throws Exception {
    Pod input = SidecarInjectorGoldenTest.load(c);
    String namespace = input.getMetadata().getNamespace();
    ObjectNode sent = sent(input);
    String sentText = sent.toString();
    Pod parsed = KUBE.convertValue(sent, Pod.class);
    assertThat(KUBE.asJson(parsed)).isEqualTo(KUBE.asJson(input));
    assertThat(parsed.getMetadata().getCreationTimestamp()).isNull();

    // the model's way, as before: the patch from the pod serialized
    JsonNode modelBefore = KUBE.convertValue(input, JsonNode.class);
    InjectionResult reference = SidecarInjector.injectOwned(KUBE.convertValue(modelBefore, Pod.class),
        modelBefore, namespace, c.settings());
    JsonNode referenceAfter = KUBE.convertValue(reference.pod(), JsonNode.class);
    ArrayNode referencePatch = JsonPatches.diff(modelBefore, referenceAfter);

    InjectionResult result = SidecarInjector.injectOwnedSent(parsed, sent, namespace, c.settings());
    assertThat(result.errors()).isEmpty();
    assertThat(KUBE.asJson(result.pod())).isEqualTo(KUBE.asJson(reference.pod()))
        .isEqualTo(KUBE.asJson(SidecarInjectorGoldenTest.injected(c)));
    JsonNode after = KUBE.convertValue(result.pod(), JsonNode.class);
    ArrayNode patch = JsonPatches.diffSent(sent, after);

    assertThat(patch).isNotEmpty();
    assertThat(PLAIN.writeValueAsString(patch)).isEqualTo(PLAIN.writeValueAsString(referencePatch));
    assertThat(sent.toString()).as("the sent JSON is only read").isEqualTo(sentText);
    JsonNode applied = JsonPatches.apply(sent, patch);
    assertThat(applied.path("metadata").get("creationTimestamp").isNull()).isTrue(); // the API server's, kept
    // decoded as the API server decodes (maps have no order; JSON object members neither)
    assertThat(KUBE.convertValue(KUBE.convertValue(applied, Pod.class), JsonNode.class)).isEqualTo(after);
  }

  @Test
  void spellingsOfTheSameValueAreNoChangeButRealChangesAre() throws Exception {
    JsonNode sent = PLAIN.readTree("""
        {"a":null,"b":[],"c":{},"d":1,"e":[1,{"x":null,"y":2}],"f":null,"g":[],"h":{"k":"v"},"i":1.5,"j":"s"}""");
    JsonNode after = PLAIN.readTree("""
        {"d":1.0,"e":[1,{"y":2}],"f":"set","g":["one"],"h":{},"i":2,"j":"t","n":"new"}""");
    ((ObjectNode) after).put("d", 1L); // a long of the same value
    ArrayNode patch = JsonPatches.diffSent(sent, after);
    assertThat(patch.toString()).isEqualTo("""
        [{"op":"add","path":"/f","value":"set"},\
        {"op":"add","path":"/g/0","value":"one"},\
        {"op":"remove","path":"/h/k"},\
        {"op":"replace","path":"/i","value":2},\
        {"op":"replace","path":"/j","value":"t"},\
        {"op":"add","path":"/n","value":"new"}]""");
    // the model's diff of the same documents sees every spelling as a change (positive control)
    assertThat(JsonPatches.diff(sent, after).size()).isGreaterThan(patch.size());
    JsonNode applied = JsonPatches.apply(sent, patch);
    assertThat(applied.toString()).isEqualTo("""
        {"a":null,"b":[],"c":{},"d":1,"e":[1,{"x":null,"y":2}],"f":"set","g":["one"],"h":{},"i":2,"j":"t","n":"new"}""");
  }
}
