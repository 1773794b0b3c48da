package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionCodecTest {

    private final AdmissionCodec codec = new AdmissionCodec();

    @Test
    void parsesAPodCreateRequest() throws Exception {
        AdmissionRequest request = codec.parseRequest(bytes(TestTls.podReview("abc")));

        assertThat(request.getUid()).isEqualTo("abc");
        assertThat(request.getKind().getKind()).isEqualTo("Pod");
        assertThat(request.getNamespace()).isEqualTo("production");
        // fabric8 resolves the embedded object by apiVersion/kind: the handler gets a typed Pod.
        assertThat(request.getObject()).isInstanceOfSatisfying(io.fabric8.kubernetes.api.model.Pod.class,
                pod -> assertThat(pod.getSpec().getContainers()).hasSize(1));
    }

    @Test
    void rejectsEnvelopeProblemsWithoutAUid() {
        assertInvalid("", "not a JSON object");
        assertInvalid("null", "not a JSON object");
        assertInvalid("[1]", "not a JSON object");
        assertInvalid("{\"kind\":\"AdmissionReview\"}", "apiVersion");
        assertInvalid("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}", "no uid");
        assertInvalid("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\" \"}}", "no uid");
    }

    @Test
    void longInputIsNotEchoedBack() {
        String huge = "v".repeat(10_000);
        assertThatThrownBy(() -> codec.parseRequest(bytes("{\"apiVersion\":\"" + huge + "\"}")))
                .isInstanceOf(InvalidAdmissionReviewException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void keepsTheUidWhenOnlyTheRequestBodyIsMalformed() {
        assertThatThrownBy(() -> codec.parseRequest(bytes(
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u9\",\"dryRun\":{\"x\":1}}}")))
                .isInstanceOfSatisfying(InvalidAdmissionReviewException.class,
                        e -> assertThat(e.uid()).hasValue("u9"));
    }

    @Test
    void patchResponsesCarryBase64JsonPatch() {
        String patch = "[{\"op\":\"add\",\"path\":\"/spec/containers/-\",\"value\":{\"name\":\"istio-proxy\"}}]";

        AdmissionResponse response = AdmissionCodec.patch("u1", patch);
        String json = new String(codec.writeReview(response), StandardCharsets.UTF_8);

        assertThat(response.getPatchType()).isEqualTo("JSONPatch");
        assertThat(AdmissionCodec.decodedPatch(response)).hasValue(patch);
        assertThat(json).contains("\"apiVersion\":\"admission.k8s.io/v1\"", "\"kind\":\"AdmissionReview\"",
                "\"uid\":\"u1\"", "\"allowed\":true", "\"patchType\":\"JSONPatch\"");
        assertThat(codec.readReview(bytes(json)).getResponse()).isEqualTo(response);
    }

    @Test
    void aBuiltPatchIsWrittenAsTheMapperWritesThePlainResponse() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        // a patch whose JSON has every length modulo 3 somewhere below (base64 padding), and a uid to escape
        for (String value : new String[] {"a", "ab", "abc", "caf\u00e9 \"q\" \\ \n"}) {
            var patch = (com.fasterxml.jackson.databind.node.ArrayNode) json.readTree(
                    "[{\"op\":\"add\",\"path\":\"/metadata/labels/x\",\"value\":" + json.writeValueAsString(value) + "}]");
            String uid = "u-" + value;
            AdmissionResponse built = AdmissionCodec.patch(uid, patch);
            AdmissionResponse plain = new AdmissionResponse();
            plain.setUid(uid);
            plain.setAllowed(true);
            plain.setPatchType("JSONPatch");
            plain.setPatch(java.util.Base64.getEncoder().encodeToString(json.writeValueAsBytes(patch)));

            assertThat(new String(codec.writeReview(built), StandardCharsets.UTF_8)).as(value)
                    .isEqualTo(new String(codec.writeReview(plain), StandardCharsets.UTF_8));
            assertThat(AdmissionCodec.hasPatch(built)).isTrue();
            assertThat(built).isEqualTo(plain);
            assertThat(AdmissionCodec.decodedPatch(built)).hasValue(json.writeValueAsString(patch));
        }
        assertThat(AdmissionCodec.hasPatch(AdmissionCodec.allow("u"))).isFalse();
        assertThat(AdmissionCodec.hasPatch(AdmissionCodec.skip("u", "why"))).isFalse();
        // what a handler adds afterwards is written too (the mapper's path), and a patch set later wins
        var patch = (com.fasterxml.jackson.databind.node.ArrayNode) json.readTree("[{\"op\":\"remove\",\"path\":\"/x\"}]");
        AdmissionResponse warned = AdmissionCodec.patch("u-w", patch);
        warned.setWarnings(java.util.List.of("careful"));
        assertThat(codec.readReview(codec.writeReview(warned)).getResponse()).isEqualTo(warned);
        assertThat(new String(codec.writeReview(warned), StandardCharsets.UTF_8)).contains("\"warnings\":[\"careful\"]");
        AdmissionResponse replaced = AdmissionCodec.patch("u-r", patch);
        replaced.setPatch(java.util.Base64.getEncoder().encodeToString("[]".getBytes(StandardCharsets.UTF_8)));
        assertThat(AdmissionCodec.decodedPatch(codec.readReview(codec.writeReview(replaced)).getResponse())).hasValue("[]");
    }

    @Test
    void patchMustBeAJsonArray() {
        assertThatThrownBy(() -> AdmissionCodec.patch("u", "{\"op\":\"add\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdmissionCodec.patch("u", "[")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void denyCarriesCodeAndMessage() {
        AdmissionResponse response = AdmissionCodec.deny("u2", 400,
                "annotation sidecar.istio.io/proxyCPU has invalid value \"lots\"");
        String json = new String(codec.writeReview(response), StandardCharsets.UTF_8);

        assertThat(json).contains("\"allowed\":false", "\"code\":400", "proxyCPU");
        assertThat(response.getPatch()).isNull();
    }

    @Test
    void skipRecordsItsReasonAsAnAuditAnnotation() {
        AdmissionResponse response = AdmissionCodec.skip("u3", "pod_opted_out");

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getAuditAnnotations()).isEqualTo(Map.of(AdmissionCodec.SKIP_REASON_ANNOTATION, "pod_opted_out"));
    }

    private void assertInvalid(String body, String messagePart) {
        assertThatThrownBy(() -> codec.parseRequest(bytes(body)))
                .isInstanceOfSatisfying(InvalidAdmissionReviewException.class, e -> {
                    assertThat(e.getMessage()).contains(messagePart);
                    assertThat(e.uid()).isEmpty();
                });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
