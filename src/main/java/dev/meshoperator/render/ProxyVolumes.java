package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * The volumes pilot-agent needs in a gateway pod (ISTIO-FACTS sections 3 and 5): writable emptyDirs
 * under a read-only root filesystem, pod identity, the istio-ca token and the mesh root cert.
 */
final class ProxyVolumes {
  private ProxyVolumes() {}

  static List<Volume> volumes() {
    return List.of(
        emptyDir("workload-socket", null),
        emptyDir("credential-socket", null),
        emptyDir("workload-certs", null),
        emptyDir("istio-envoy", "Memory"),
        emptyDir("istio-data", null),
        new VolumeBuilder().withName("istio-podinfo")
            .withNewDownwardAPI()
              .addNewItem().withPath("labels").withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.labels").endFieldRef().endItem()
              .addNewItem().withPath("annotations").withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.annotations").endFieldRef().endItem()
            .endDownwardAPI()
            .build(),
        istioToken(),
        new VolumeBuilder().withName("istiod-ca-cert").withNewConfigMap().withName("istio-ca-root-cert").endConfigMap().build());
  }

  static List<VolumeMount> mounts() {
    return List.of(
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds", false),
        mount("credential-socket", "/var/run/secrets/credential-uds", false),
        mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials", false),
        mount("istio-envoy", "/etc/istio/proxy", false),
        mount("istio-data", "/var/lib/istio/data", false),
        mount("istio-podinfo", "/etc/istio/pod", false),
        mount("istio-token", "/var/run/secrets/tokens", true),
        mount("istiod-ca-cert", "/var/run/secrets/istio", false));
  }

  /** A projected token for audience istio-ca: what istiod's CA accepts (must-have 3). */
  static Volume istioToken() {
    return new VolumeBuilder().withName("istio-token")
        .withNewProjected()
          .addNewSource().withNewServiceAccountToken().withAudience("istio-ca").withExpirationSeconds(43200L).withPath("istio-token").endServiceAccountToken().endSource()
        .endProjected()
        .build();
  }

  static Volume emptyDir(String name, String medium) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().withMedium(medium).endEmptyDir().build();
  }

  static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly ? Boolean.TRUE : null).build();
  }
}
