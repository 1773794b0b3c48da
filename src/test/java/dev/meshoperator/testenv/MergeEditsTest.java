package dev.meshoperator.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class MergeEditsTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static JsonNode json(String text) {
    return JSON.unmarshal(text, JsonNode.class);
  }

  @Test
  void thePatchHoldsOnlyWhatChangedRemovalsAsNullAndListsWhole() {
    JsonNode before = json("""
        {"metadata": {"name": "demo", "resourceVersion": "7", "finalizers": ["a", "b"]},
         "spec": {"profile": "demo", "version": "1.30.3", "components": {"pilot": {"replicas": 1}, "cni": {"enabled": true}}}}""");
    JsonNode after = json("""
        {"metadata": {"name": "demo", "resourceVersion": "7", "finalizers": ["a"]},
         "spec": {"profile": "minimal", "version": "1.30.3", "components": {"pilot": {"replicas": 1}}, "hub": "example.com"}}""");
    assertThat(MergeEdits.diff(before, after)).isEqualTo(json("""
        {"metadata": {"finalizers": ["a"]},
         "spec": {"profile": "minimal", "components": {"cni": null}, "hub": "example.com"}}"""));
    assertThat(MergeEdits.diff(before, before)).isEmpty();
  }
}
