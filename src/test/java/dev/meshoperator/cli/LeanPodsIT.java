package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LeanPods} against the API server: pages follow each other by their continue tokens, pages
 * over the server's compression threshold (128 KiB) come gzip-compressed, and every pod reads as the
 * typed client's full pod projected onto analyze's fields.
 */
@KubeTest
class LeanPodsIT {
  @Test
  void readsEveryPageCompressedOrNotAndTheSameFactsAsTheTypedClient(KubernetesClient client, TestNamespace ns) {
    String big = "x".repeat(60_000); // three such pods make a page of ~180 KiB: compressed
    for (int i = 0; i < 7; i++) {
      PodBuilder pod = new PodBuilder().withNewMetadata().withName("p" + i).addToLabels("app", "lean")
          .addToAnnotations("sidecar.istio.io/status", "{\"containers\":[\"istio-proxy\"],\"revision\":\"default\"}")
          .addToAnnotations("note", i < 6 ? big : "small").endMetadata()
          // no node matches: the pods stay Pending, so the two reads below see the same phase (a pod that
          // a fake node starts between them would differ in status.phase alone)
          .withNewSpec().withNodeSelector(java.util.Map.of("mesh-operator.dev/lean-pods-it", "no-such-node"))
          .addNewContainer().withName("app").withImage("registry.example/app:1").endContainer()
          .addNewInitContainer().withName("istio-proxy").withImage("docker.io/istio/proxyv2:1.30.3").withRestartPolicy("Always").endInitContainer()
          .endSpec();
      client.pods().inNamespace(ns.name()).resource(pod.build()).create();
    }
    List<Pod> lean = new ArrayList<>();

    LeanPods.Read read = LeanPods.forEach(client, ns.name(), 3, lean::add);

    assertThat(read.pages()).isEqualTo(3); // 3 + 3 + 1
    assertThat(read.compressedPages()).as(read.toString()).isEqualTo(2); // the last page is small
    assertThat(read.bytesReceived()).as(read.toString()).isLessThan(read.jsonBytes() / 5);
    List<Pod> full = client.pods().inNamespace(ns.name()).list().getItems();
    Comparator<Pod> byName = Comparator.comparing(p -> p.getMetadata().getName());
    assertThat(lean).hasSize(7);
    assertThat(lean.stream().sorted(byName).toList())
        .isEqualTo(full.stream().sorted(byName).map(LeanPodsTest::project).toList());
    assertThat(AnalyzeCommand.proxy(lean.get(0))).isPresent();
  }

  @Test
  void anEmptyNamespaceIsOnePageAndNoPods(KubernetesClient client, TestNamespace ns) {
    List<Pod> lean = new ArrayList<>();
    LeanPods.Read read = LeanPods.forEach(client, ns.name(), 3, lean::add);
    assertThat(read.pages()).isEqualTo(1);
    assertThat(lean).isEmpty();
  }
}
