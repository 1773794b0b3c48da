package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The webhook's memo of patches: the pods of one ReplicaSet get the patch computed for the first of
 * them, and nothing else does. The property over the fuzzer's pods is {@link PatchMemoPropertyTest}
 * (jqwik's engine runs a class's properties and JUnit's its tests: one kind per class).
 */
class PatchMemoTest {
  // also PatchMemoPropertyTest's
  static final ObjectMapper JSON = new ObjectMapper();
  // the operator's serialization: with it the codec keeps the pod's JSON as sent, which the memo keys on
  static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();
  static final AdmissionCodec CODEC = new AdmissionCodec(SERIALIZATION);
  static final InjectionSettings SETTINGS =
      InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build();

  private final Map<String, String> labels = new HashMap<>(Map.of("istio-injection", "enabled"));
  private int uids;

  /** The review of a ReplicaSet's pod as the API server sends it: its own uid, managedFields stamped {@code second}. */
  private ObjectNode replicaReview(String app, int second) throws Exception {
    ObjectNode review = (ObjectNode) JSON.readTree(TestTls.podReview("uid-" + (++uids)));
    ObjectNode metadata = (ObjectNode) review.path("request").path("object").path("metadata");
    ((ObjectNode) metadata.get("labels")).put("app", app);
    metadata.putArray("managedFields").addObject().put("manager", "kube-controller-manager")
        .put("operation", "Update").put("apiVersion", "v1").put("time", "2026-12-04T10:00:%02dZ".formatted(second))
        .put("fieldsType", "FieldsV1").putObject("fieldsV1").putObject("f:metadata").putObject("f:labels");
    return review;
  }

  private static byte[] answer(InjectionAdmissionHandler handler, ObjectNode review) throws Exception {
    return CODEC.writeReview(handler.handle(CODEC.parseRequest(JSON.writeValueAsBytes(review))));
  }

  private InjectionAdmissionHandler handler(PatchMemo memo) {
    return new InjectionAdmissionHandler(SETTINGS, ns -> labels, ns -> labels, SERIALIZATION, List.of(), memo);
  }

  @Test
  void theSecondPodOfAReplicaSetGetsThePatchOfTheFirstAndEveryAnswerIsTheComputedOne() throws Exception {
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    InjectionAdmissionHandler memorizing = handler(memo);
    InjectionAdmissionHandler computing = handler(null);
    for (int pod = 0; pod < 5; pod++) {
      ObjectNode review = replicaReview("web", pod);
      byte[] answered = answer(memorizing, review);
      assertThat(new String(answered)).as("pod %d", pod).isEqualTo(new String(answer(computing, review)));
      assertThat(AdmissionCodec.decodedPatch(CODEC.readReview(answered).getResponse())).get().asString()
          .contains("istio-proxy");
    }
    // the first pod's patch goes on probation, the second gets it (and it is kept), so do the others
    assertThat(memo.hits()).isEqualTo(4);
    assertThat(memo.size()).isEqualTo(1);
    assertThat(memo.onProbation()).isZero();
    assertThat(memo.bytes()).isPositive().isLessThan(32 * 1024);
  }

  @Test
  void aPodAnsweredFromTheMemoIsNotReadIntoTheModelButMalformedManagedFieldsAreStillRefused() throws Exception {
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    AdmissionCodec.PodRequest first = podRequest(replicaReview("web", 0));
    byte[] computed = CODEC.writeReview(handler(memo).handle(first));
    assertThat(first.podRead()).as("the first pod was injected: read").isTrue();

    AdmissionCodec.PodRequest second = podRequest(replicaReview("web", 1));
    byte[] answered = CODEC.writeReview(handler(memo).handle(second));
    assertThat(memo.hits()).isEqualTo(1);
    assertThat(second.podRead()).as("answered from the memo: never read").isFalse();
    assertThat(new String(answered)).isEqualTo(new String(computed).replace("uid-1", "uid-2"));

    // a pod the same but for managedFields that a pod's cannot be: malformed, as when read at once
    ObjectNode bad = replicaReview("web", 2);
    ((ObjectNode) bad.path("request").path("object").path("metadata").path("managedFields").get(0))
        .putObject("time").put("not", "a time");
    assertThatThrownBy(() -> CODEC.parseRequest(JSON.writeValueAsBytes(bad)).getObject())
        .isInstanceOfSatisfying(AdmissionCodec.MalformedPod.class, e -> {
          assertThat(e.reason().getMessage()).isEqualTo("AdmissionReview request is malformed");
          assertThat(e.reason().uid()).contains("uid-3");
        });
    AdmissionCodec.PodRequest malformed = podRequest(bad);
    assertThatThrownBy(() -> handler(memo).handle(malformed)).isInstanceOf(AdmissionCodec.MalformedPod.class);
    assertThatThrownBy(() -> new AdmissionCodec(new KubernetesSerialization(new ObjectMapper(), true))
        .parseRequest(JSON.writeValueAsBytes(bad)))
        .as("the checked path reads the pod at once and refuses it alike")
        .isInstanceOfSatisfying(InvalidAdmissionReviewException.class,
            e -> assertThat(e.getMessage()).isEqualTo("AdmissionReview request is malformed"));
    assertThat(memo.hits()).as("the malformed one was not answered from the memo").isEqualTo(1);
  }

  private static AdmissionCodec.PodRequest podRequest(ObjectNode review) throws Exception {
    return (AdmissionCodec.PodRequest) CODEC.parseRequest(JSON.writeValueAsBytes(review));
  }

  @Test
  void anotherPodOrOtherNamespaceLabelsOrOtherSettingsAreInjectedAfresh() throws Exception {
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    for (int i = 0; i < 2; i++) {
      answer(handler(memo), replicaReview("web", i));
    }
    assertThat(memo.size()).isEqualTo(1);
    assertThat(memo.hits()).isEqualTo(1);

    ObjectNode shop = replicaReview("shop", 3);
    assertThat(new String(answer(handler(memo), shop))).isEqualTo(new String(answer(handler(null), shop)));

    labels.put("team", "blue");
    answer(handler(memo), replicaReview("web", 4));
    labels.remove("team");
    // equal settings, but another instance: what RevisionSettings makes when the install changed
    InjectionSettings edited = SETTINGS.toBuilder().build();
    answer(new InjectionAdmissionHandler(edited, ns -> labels, ns -> labels, SERIALIZATION, List.of(), memo),
        replicaReview("web", 5));
    assertThat(memo.hits()).as("none of those three came from the memo").isEqualTo(1);

    answer(handler(memo), replicaReview("web", 6));
    assertThat(memo.hits()).as("the same pod, labels and settings again").isEqualTo(2);
  }

  @Test
  void aPodIsKeptOnlyWhenItComesBackSoonAndLargePodsNever() throws Exception {
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    answer(handler(memo), replicaReview("web", 0));
    for (int i = 0; i < PatchMemo.SEEN_WINDOW + 1; i++) {
      answer(handler(memo), replicaReview("app-" + i, 1));
    }
    assertThat(memo.size()).as("pods seen once are not kept for good").isZero();
    assertThat(memo.onProbation()).as("only the last ones are on probation").isEqualTo(PatchMemo.PROBATION);
    answer(handler(memo), replicaReview("web", 2));
    assertThat(memo.size()).as("web came back after more than the window: forgotten").isZero();
    assertThat(memo.hits()).isZero();
    answer(handler(memo), replicaReview("web", 3));
    assertThat(memo.size()).as("web came back at once").isEqualTo(1);
    assertThat(memo.hits()).as("with the patch on probation").isEqualTo(1);

    // past the probation but within the window: computed again, then kept for good
    answer(handler(memo), replicaReview("shop", 0));
    for (int i = 0; i < PatchMemo.PROBATION; i++) {
      answer(handler(memo), replicaReview("job-" + i, 1));
    }
    answer(handler(memo), replicaReview("shop", 1));
    assertThat(memo.hits()).as("shop's first patch went off probation").isEqualTo(1);
    answer(handler(memo), replicaReview("shop", 2));
    assertThat(memo.hits()).as("shop's second patch was kept").isEqualTo(2);
    assertThat(memo.size()).isEqualTo(2);

    PatchMemo large = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    for (int pod = 0; pod < 3; pod++) {
      ObjectNode review = replicaReview("big", pod);
      ObjectNode container = (ObjectNode) review.path("request").path("object").path("spec").path("containers").get(0);
      ArrayNode env = container.putArray("env");
      for (int i = 0; i < 3000; i++) {
        env.addObject().put("name", "VAR_" + i).put("value", "value-" + i);
      }
      assertThat(new String(answer(handler(large), review))).isEqualTo(new String(answer(handler(null), review)));
    }
    assertThat(large.size()).as("a pod of more than %d bytes", PatchMemo.MAX_POD_BYTES).isZero();
    assertThat(large.onProbation()).isZero();
    assertThat(large.hits()).isZero();
  }

  @Test
  void keptPatchesStayWithinTheBoundLeastRecentlyUsedOutFirst() throws Exception {
    // room for about two typical pods' patches
    PatchMemo memo = new PatchMemo(16 * 1024);
    for (String app : List.of("a", "b", "c", "d")) {
      answer(handler(memo), replicaReview(app, 0));
      answer(handler(memo), replicaReview(app, 1));
      assertThat(memo.bytes()).isLessThanOrEqualTo(16 * 1024);
    }
    assertThat(memo.size()).isBetween(1, 3);
    assertThat(memo.hits()).as("each second pod from probation").isEqualTo(4);
    answer(handler(memo), replicaReview("d", 2));
    assertThat(memo.hits()).as("the last kept").isEqualTo(5);
    answer(handler(memo), replicaReview("a", 2));
    assertThat(memo.hits()).as("the first kept went out").isEqualTo(5);

    assertThatThrownBy(() -> new PatchMemo(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPatchThatTouchesManagedFieldsIsNotKept() throws Exception {
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    ObjectNode pod = (ObjectNode) replicaReview("web", 0).path("request").path("object");
    ArrayNode ops = JSON.createArrayNode();
    ops.addObject().put("op", "replace").put("path", "/metadata/managedFields/0/time").put("value", "x");
    byte[] patch = JSON.writeValueAsBytes(ops);
    for (int i = 0; i < 3; i++) {
      PatchMemo.Lookup lookup = memo.lookup(SETTINGS, "production", labels, pod);
      assertThat(lookup.get()).isNull();
      lookup.put(patch, ops);
    }
    assertThat(memo.size()).isZero();
    assertThat(memo.onProbation()).isZero();

    // the control: the same without managedFields in the patch is kept
    ArrayNode plain = JSON.createArrayNode();
    plain.addObject().put("op", "add").put("path", "/metadata/annotations").putObject("value");
    for (int i = 0; i < 2; i++) {
      memo.lookup(SETTINGS, "production", labels, pod).put(JSON.writeValueAsBytes(plain), plain);
    }
    assertThat(memo.lookup(SETTINGS, "production", labels, pod).get()).isEqualTo(JSON.writeValueAsBytes(plain));
    assertThat(memo.lookup(SETTINGS, "production", null, pod)).isNull();
  }
}
