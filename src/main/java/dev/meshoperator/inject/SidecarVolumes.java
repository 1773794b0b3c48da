package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * The proxy's root filesystem is read-only, so everything it writes lives on emptyDirs; its identity
 * comes from an istio-ca token and the mesh root certificate that istiod copies into each namespace.
 */
final class SidecarVolumes {
  private SidecarVolumes() {}

  static final String ISTIO_TOKEN = "istio-token";
  static final String CA_CERT = "istiod-ca-cert";

  static List<Volume> volumes() {
    return List.of(
        emptyDir("workload-socket", null),
        emptyDir("credential-socket", null),
        emptyDir("workload-certs", null),
        emptyDir("istio-envoy", "Memory"),
        emptyDir("istio-data", null),
        new VolumeBuilder().withName("istio-podinfo")
            .withNewDownwardAPI()
              .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
              .addNewItem().withPath("annotations").withNewFieldRef().withFieldPath("metadata.annotations").endFieldRef().endItem()
            .endDownwardAPI()
            .build(),
        new VolumeBuilder().withName(ISTIO_TOKEN)
            .withNewProjected()
              .addNewSource().withNewServiceAccountToken()
                .withAudience("istio-ca").withExpirationSeconds(43200L).withPath("istio-token")
              .endServiceAccountToken().endSource()
            .endProjected()
            .build(),
        new VolumeBuilder().withName(CA_CERT)
            .withNewConfigMap().withName("istio-ca-root-cert").endConfigMap()
            .build(),
        // certificate revocation lists, published by istiod only when a plug-in CA has them
        new VolumeBuilder().withName("istio-ca-crl")
            .withNewConfigMap().withName("istio-ca-crl").withOptional(true).endConfigMap()
            .build());
  }

  static List<String> names() {
    return volumes().stream().map(Volume::getName).toList();
  }

  static List<VolumeMount> proxyMounts() {
    return List.of(
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
        mount("workload-certs", "/var/run/secrets/workload-spiffe-credentials"),
        mount(CA_CERT, "/var/run/secrets/istio"),
        mount("istio-ca-crl", "/var/run/secrets/istio/crl"),
        mount("istio-data", "/var/lib/istio/data"),
        mount("istio-envoy", "/etc/istio/proxy"),
        mount(ISTIO_TOKEN, "/var/run/secrets/tokens"),
        mount("istio-podinfo", "/etc/istio/pod"));
  }

  private static Volume emptyDir(String name, String medium) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().withMedium(medium).endEmptyDir().build();
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }
}
