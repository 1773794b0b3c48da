package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RevisionUsage#readPage}: the streamed read of one page of the metadata-only pod list. */
class RevisionUsagePageTest {

  private static final String PAGE = """
      {"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1",
       "metadata":{"resourceVersion":"42","continue":"next-token","remainingItemCount":7},
       "items":[
        {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
         "metadata":{"name":"a","namespace":"shop","uid":"u1",
           "labels":{"app":"a"},
           "annotations":{"istio.io/rev":"canary","sidecar.istio.io/status":"{\\"containers\\":[\\"istio-proxy\\"]}"},
           "managedFields":[{"manager":"kubelet","operation":"Update","fieldsV1":{"f:status":{"f:phase":{}}}}],
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a-1","uid":"r1","controller":true}]}},
        {"metadata":{"name":"b","namespace":"shop","managedFields":[]}}
       ]}
      """;

  @Test
  void eachPodsMetadataComesWithoutItsManagedFieldsAndTheContinueTokenIsReturned() throws IOException {
    List<ObjectNode> seen = new ArrayList<>();
    String token = RevisionUsage.readPage(PAGE.getBytes(StandardCharsets.UTF_8), seen::add);
    assertThat(token).isEqualTo("next-token");
    assertThat(seen).hasSize(2);
    ObjectNode a = seen.get(0);
    assertThat(a.has("managedFields")).isFalse();
    assertThat(a.path("annotations").path("istio.io/rev").asText()).isEqualTo("canary");
    assertThat(a.path("annotations").has("sidecar.istio.io/status")).isTrue();
    assertThat(a.path("ownerReferences").get(0).path("name").asText()).isEqualTo("a-1");
    assertThat(a.path("labels").path("app").asText()).isEqualTo("a");
    assertThat(seen.get(1).path("name").asText()).isEqualTo("b");
    assertThat(seen.get(1).has("managedFields")).isFalse();
  }

  @Test
  void theLastPageHasNoToken() throws IOException {
    String last = "{\"kind\":\"PartialObjectMetadataList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[]}";
    assertThat(RevisionUsage.readPage(last.getBytes(StandardCharsets.UTF_8), m -> { })).isEmpty();
  }

  @Test
  void anItemThatIsNotAnObjectIsPassedOver() throws IOException {
    String page = "{\"kind\":\"PartialObjectMetadataList\",\"metadata\":{\"continue\":\"t\"},"
        + "\"items\":[null,[1,{\"metadata\":{}}],{\"metadata\":{\"name\":\"c\"}}]}";
    List<ObjectNode> seen = new ArrayList<>();
    assertThat(RevisionUsage.readPage(page.getBytes(StandardCharsets.UTF_8), seen::add)).isEqualTo("t");
    assertThat(seen).extracting(m -> m.path("name").asText()).containsExactly("c");
  }

  @Test
  void anAnswerThatIsNotAMetadataListIsRefused() {
    String full = "{\"kind\":\"PodList\",\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"x\"}}]}";
    assertThatThrownBy(() -> RevisionUsage.readPage(full.getBytes(StandardCharsets.UTF_8), m -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining("got PodList");
    assertThatThrownBy(() -> RevisionUsage.readPage("[]".getBytes(StandardCharsets.UTF_8), m -> { }))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> RevisionUsage.readPage("{\"kind\":\"Partial".getBytes(StandardCharsets.UTF_8), m -> { }))
        .isInstanceOf(IOException.class);
  }
}
