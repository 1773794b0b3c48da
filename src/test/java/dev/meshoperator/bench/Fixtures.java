package dev.meshoperator.bench;

import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import java.util.Map;
import java.util.UUID;

/** A typical application pod as a Deployment's ReplicaSet creates it: one container, probes, ports. */
final class Fixtures {
  private Fixtures() {
  }

  static Pod appPod() {
    return new PodBuilder()
        .withNewMetadata().withGenerateName("reviews-v1-7d5f8c9b6-").withNamespace("bookinfo")
        .withLabels(Map.of("app", "reviews", "version", "v1", "pod-template-hash", "7d5f8c9b6"))
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
        .withName("reviews-v1-7d5f8c9b6").withUid(UUID.randomUUID().toString()).withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec().withServiceAccountName("bookinfo-reviews")
        .addNewContainer().withName("reviews").withImage("docker.io/istio/examples-bookinfo-reviews-v1:1.20.2")
        .addNewPort().withName("http").withContainerPort(9080).endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/health").withPort(new IntOrString("http"))
        .endHttpGet().withPeriodSeconds(5).endReadinessProbe()
        .withNewLivenessProbe().withNewTcpSocket().withPort(new IntOrString(9080)).endTcpSocket()
        .endLivenessProbe()
        .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi"))
        .endResources()
        .addNewEnv().withName("LOG_DIR").withValue("/tmp/logs").endEnv()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .endContainer()
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  /** The heavy case: three containers with {@code envPerContainer} environment variables each. */
  static Pod envHeavyPod(int envPerContainer) {
    Pod pod = appPod();
    var containers = new java.util.ArrayList<io.fabric8.kubernetes.api.model.Container>();
    for (int c = 0; c < 3; c++) {
      var container = new io.fabric8.kubernetes.api.model.ContainerBuilder(pod.getSpec().getContainers().get(0))
          .withName("app-" + c).build();
      var env = new java.util.ArrayList<io.fabric8.kubernetes.api.model.EnvVar>();
      for (int i = 0; i < envPerContainer; i++) {
        env.add(new io.fabric8.kubernetes.api.model.EnvVar("VAR_" + c + "_" + i, "value-" + i, null));
      }
      container.setEnv(env);
      containers.add(container);
    }
    pod.getSpec().setContainers(containers);
    return pod;
  }

  static AdmissionRequest podCreate(Pod pod) {
    return new AdmissionRequestBuilder()
        .withUid(UUID.randomUUID().toString())
        .withKind(new GroupVersionKind("", "Pod", "v1"))
        .withOperation("CREATE")
        .withNamespace("bookinfo")
        .withObject(pod)
        .build();
  }

  static Map<String, String> injectionNamespaceLabels() {
    return Map.of("istio-injection", "enabled", "kubernetes.io/metadata.name", "bookinfo");
  }
}
