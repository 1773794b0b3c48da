package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LenientEqualityTest {
  @Test
  void quantitiesThatTheServerCanonicalizedAreEqual() {
    assertThat(LenientEquality.equal(Map.of("cpu", "2"), Map.of("cpu", "2000m"))).isTrue();
    assertThat(LenientEquality.equal(Map.of("memory", "1Gi"), Map.of("memory", "1024Mi"))).isTrue();
    assertThat(LenientEquality.equal(Map.of("memory", "1Gi"), Map.of("memory", "1000Mi"))).isFalse();
  }

  @Test
  void zeroValuesTheServerDropsMatchAbsence() {
    Map<String, Object> actual = new HashMap<>();
    actual.put("name", "PLATFORM");
    actual.put("value", null);
    assertThat(LenientEquality.equal(actual, Map.of("name", "PLATFORM", "value", ""))).isTrue();
    assertThat(LenientEquality.equal(Map.of("mountPath", "/x"), Map.of("mountPath", "/x", "readOnly", false))).isTrue();
  }

  @Test
  void realDifferencesAreDifferences() {
    assertThat(LenientEquality.equal(Map.of("image", "tampered"), Map.of("image", "istio/pilot:1.30.3"))).isFalse();
    assertThat(LenientEquality.equal(Map.of(), Map.of("readOnly", true))).isFalse();
    assertThat(LenientEquality.equal(List.of("a", "b"), List.of("b", "a"))).isFalse();
    assertThat(LenientEquality.equal(Map.of("replicas", 2), Map.of("replicas", 1))).isFalse();
  }

  @Test
  void defaultsTheServerAddsInsideAnAtomicListAreNotDifferences() {
    var live = List.of(Map.of("apiGroups", List.of(""), "resources", List.of("pods"), "scope", "*"));
    var wanted = List.of(Map.of("apiGroups", List.of(""), "resources", List.of("pods")));
    assertThat(LenientEquality.equal(live, wanted)).isTrue();
    assertThat(LenientEquality.equal(live, List.of(Map.of("apiGroups", List.of(""), "resources", List.of("services"))))).isFalse();
  }

  @Test
  void numbersCompareByValueWhateverTheirJavaType() {
    assertThat(LenientEquality.equal(Map.of("runAsUser", 1337), Map.of("runAsUser", 1337L))).isTrue();
  }
}
