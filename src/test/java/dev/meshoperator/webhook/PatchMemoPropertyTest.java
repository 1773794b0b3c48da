package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.inject.InjectionSettings;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

/** {@link PatchMemo}: whatever the pod, an answer from the memo is the answer computed afresh. */
class PatchMemoPropertyTest {
  private static final ObjectMapper JSON = PatchMemoTest.JSON;
  private static final KubernetesSerialization SERIALIZATION = PatchMemoTest.SERIALIZATION;
  private static final AdmissionCodec CODEC = PatchMemoTest.CODEC;
  private static final InjectionSettings SETTINGS = PatchMemoTest.SETTINGS;
  private static final LongAdder HITS = new LongAdder();

  /**
   * Pods of every shape the fuzzer makes, each admitted three times as a ReplicaSet's pods are (a
   * new uid, managedFields stamped later): every answer is byte for byte the one computed afresh.
   */
  @Property(tries = 500, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void everyAnswerIsTheOneComputedAfresh(@ForAll("reviews") ObjectNode review) throws Exception {
    Function<String, Map<String, String>> namespaces =
        ns -> AdmissionFuzzTest.NAMESPACES.getOrDefault(ns == null ? "" : ns, Map.of());
    PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
    var memorizing = new InjectionAdmissionHandler(SETTINGS, namespaces, namespaces, SERIALIZATION, List.of(), memo);
    var computing = new InjectionAdmissionHandler(SETTINGS, namespaces, namespaces, SERIALIZATION, List.of(), null);
    for (int i = 0; i < 3; i++) {
      ObjectNode request = (ObjectNode) review.get("request");
      request.put("uid", "uid-" + i);
      if (request.path("object").path("metadata") instanceof ObjectNode metadata) {
        metadata.putArray("managedFields").addObject().put("manager", "kube-controller-manager")
            .put("time", "2026-12-04T10:00:0" + i + "Z");
      }
      byte[] body = JSON.writeValueAsBytes(review);
      byte[] expected = answerOrError(computing, body);
      assertThat(new String(answerOrError(memorizing, body))).isEqualTo(new String(expected));
    }
    assertThat(memo.hits()).isLessThanOrEqualTo(2);
    HITS.add(memo.hits());
  }

  @AfterProperty
  void someOfTheGeneratedPodsWereAnsweredFromTheMemo() {
    // about one generated review in fifteen is injected (a namespace of the default revision, a pod
    // create, no opt-out); a property where the memo never answered would compare the computed
    // answer with itself
    assertThat(HITS.sum()).isGreaterThan(15);
  }

  private static byte[] answerOrError(InjectionAdmissionHandler handler, byte[] body) {
    try {
      AdmissionResponse response = handler.handle(CODEC.parseRequest(body));
      return CODEC.writeReview(response);
    } catch (Exception e) {
      return e.getClass().getName().getBytes();
    }
  }

  @Provide
  Arbitrary<ObjectNode> reviews() {
    return AdmissionFuzzTest.reviews(false);
  }
}
