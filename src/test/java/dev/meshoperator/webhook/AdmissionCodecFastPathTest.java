package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The codec built on KubeJson reads a review in one pass from its bytes and writes one straight to
 * bytes; a codec on another serialization (same configuration, another instance) takes the checked
 * path: tree, envelope checks, tree to review, review to String. Both must answer every body alike:
 * the same request (as JSON) or the same refusal (message and uid), and the handler the same
 * response bytes.
 */
class AdmissionCodecFastPathTest {

  private static final KubernetesSerialization OTHER =
      new KubernetesSerialization(new ObjectMapper().registerModule(new BlackbirdModule()), true);
  private final AdmissionCodec fast = new AdmissionCodec();
  private final AdmissionCodec checked = new AdmissionCodec(OTHER);

  private static final String POD = TestTls.podReview("u1");

  static List<String> bodies() {
    List<String> b = new ArrayList<>();
    b.add(POD);
    // as the API server writes a pod: creationTimestamp null, empty resources, ints
    b.add(POD.replace("\"metadata\":{", "\"metadata\":{\"creationTimestamp\":null,")
        .replace("\"image\":\"nginx:1.27\"", "\"image\":\"nginx:1.27\",\"resources\":{},\"ports\":[{\"containerPort\":8080}],\"env\":[]")
        .replace("\"spec\":{", "\"spec\":{\"terminationGracePeriodSeconds\":30,\"nodeSelector\":{},"));
    b.add(POD.replace("\"kind\":\"Pod\",\n", "\"kind\":\"Pod\",\"status\":{},\n"));
    b.add(POD.replace("\"operation\":\"CREATE\"", "\"operation\":\"UPDATE\""));
    b.add(POD.replace("\"apiVersion\":\"v1\",\"kind\":\"Pod\"", "\"apiVersion\":\"v1\",\"kind\":\"Service\""));
    b.add(POD.replace("\"apiVersion\":\"v1\",\"kind\":\"Pod\"", "\"kind\":\"Pod\""));
    b.add(POD.replace("\"object\":{", "\"object\":{\"unknownField\":[1,null],"));
    b.add(POD.replace("\"object\":{", "\"x\":1,\"object\":{"));
    // envelopes the one-pass read leaves to the checked path
    b.add(POD.replace("{\"apiVersion\":\"admission.k8s.io/v1\"", "{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"admission.k8s.io/v1\""));
    b.add(POD.replace("{\"apiVersion\":\"admission.k8s.io/v1\"", "{\"apiVersion\":\"x\",\"apiVersion\":\"admission.k8s.io/v1\""));
    b.add(POD.replace("{\"apiVersion\":\"admission.k8s.io/v1\"", "{\"response\":{\"uid\":\"r\"},\"apiVersion\":\"admission.k8s.io/v1\""));
    b.add(POD.replace("{\"apiVersion\":\"admission.k8s.io/v1\"", "{\"response\":{\"allowed\":[]},\"apiVersion\":\"admission.k8s.io/v1\""));
    b.add(POD.replace("\"uid\":\"u1\"", "\"uid\":7"));
    b.add(POD.replace("\"uid\":\"u1\"", "\"uid\":\"  \""));
    b.add(POD.replace("\"uid\":\"u1\"", "\"uid\":\"u1\",\"uid\":\"u2\""));
    b.add(POD.replace("\"dryRun\":false", "\"dryRun\":{\"x\":1}"));
    b.add(POD.replace("\"containers\":[", "\"containers\":7,\"x\":["));
    b.add(POD.replace("\"kind\":\"AdmissionReview\"", "\"kind\":1"));
    b.add(POD.replace("\"admission.k8s.io/v1\"", "null"));
    b.add(POD + " trailing");
    b.add(POD + " {}");
    b.add("[" + POD + "]");
    b.add("");
    b.add("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":[]}");
    b.add("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}");
    // bytes cut and bytes flipped
    Random random = new Random(11);
    for (int i = 0; i < 300; i++) {
      char[] chars = POD.toCharArray();
      chars[random.nextInt(chars.length)] = "{}[]\":,0a\\ n".charAt(random.nextInt(12));
      b.add(i % 3 == 0 ? POD.substring(0, random.nextInt(POD.length())) : new String(chars));
    }
    return b;
  }

  @Test
  void bothPathsParseEveryBodyAlike() {
    int requests = 0;
    int refusals = 0;
    for (String body : bodies()) {
      String fastOutcome = outcome(fast, body);
      assertThat(fastOutcome).as(body).isEqualTo(outcome(checked, body));
      if (fastOutcome.startsWith("request")) {
        requests++;
      } else {
        refusals++;
      }
    }
    // both kinds of outcome were compared (positive control on the corpus)
    assertThat(requests).isGreaterThan(10);
    assertThat(refusals).isGreaterThan(100);
  }

  @Test
  void bothPathsAnswerAlike() throws Exception {
    var settings = InjectionSettings.defaults();
    Map<String, String> injected = Map.of("istio-injection", "enabled");
    var overFast = new InjectionAdmissionHandler(settings, ns -> injected, KubeJson.serialization());
    var overChecked = new InjectionAdmissionHandler(settings, ns -> injected, OTHER);
    int patches = 0;
    for (String body : bodies()) {
      AdmissionRequest a;
      AdmissionRequest b;
      try {
        a = fast.parseRequest(bytes(body));
        b = checked.parseRequest(bytes(body));
      } catch (InvalidAdmissionReviewException e) {
        continue;
      }
      AdmissionResponse fromFast = overFast.handle(a);
      byte[] written = fast.writeReview(fromFast);
      assertThat(new String(written, StandardCharsets.UTF_8)).as(body)
          .isEqualTo(new String(checked.writeReview(overChecked.handle(b)), StandardCharsets.UTF_8));
      if (fromFast.getPatch() != null) {
        patches++;
      }
    }
    assertThat(patches).as("pods injected through both paths").isGreaterThan(5);
  }

  @Test
  void theOnePassReadKeepsThePodsJsonOnlyForPods() throws Exception {
    assertThat(fast.parseRequest(bytes(POD))).isInstanceOfSatisfying(AdmissionCodec.PodRequest.class,
        r -> assertThat(r.podJson().path("metadata").path("generateName").asText()).isEqualTo("web-"));
    assertThat(checked.parseRequest(bytes(POD))).isNotInstanceOf(AdmissionCodec.PodRequest.class);
    AdmissionRequest service = fast.parseRequest(bytes(
        POD.replace("\"apiVersion\":\"v1\",\"kind\":\"Pod\"", "\"apiVersion\":\"v1\",\"kind\":\"Service\"")));
    assertThat(service).isNotInstanceOf(AdmissionCodec.PodRequest.class);
    // a handler that replaces the object does not get the old pod's JSON
    AdmissionCodec.PodRequest replaced = (AdmissionCodec.PodRequest) fast.parseRequest(bytes(POD));
    replaced.setObject(new io.fabric8.kubernetes.api.model.Pod());
    assertThat(replaced.podJson()).isNull();
  }

  private static String outcome(AdmissionCodec codec, String body) {
    try {
      AdmissionRequest r = codec.parseRequest(bytes(body));
      r.getObject(); // the one-pass read reads a pod only when asked for it
      return "request " + OTHER.asJson(r);
    } catch (InvalidAdmissionReviewException e) {
      return "refused " + e.getMessage() + " uid=" + e.uid();
    } catch (AdmissionCodec.MalformedPod e) {
      return "refused " + e.reason().getMessage() + " uid=" + e.reason().uid();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
