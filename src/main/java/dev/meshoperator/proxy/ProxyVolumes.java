package dev.meshoperator.proxy;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The one definition of pilot-agent's volumes and where it mounts them (ISTIO-FACTS sections 3, 5
 * and must-haves 3-5). The proxy's root filesystem is read-only, so everything it writes lives on
 * emptyDirs; its identity comes from an istio-ca token and the mesh root certificate that istiod
 * copies into each namespace.
 *
 * <p>Sidecars and gateways differ in one volume only: {@code istio-ca-crl}, which Istio's sidecar
 * template mounts and its gateway templates do not
 * (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml vs
 * gateway-injection-template.yaml and manifests/charts/gateways/istio-ingress/templates/deployment.yaml).
 */
public final class ProxyVolumes {
  private ProxyVolumes() {}

  public static final String WORKLOAD_SOCKET = "workload-socket";
  public static final String CREDENTIAL_SOCKET = "credential-socket";
  public static final String WORKLOAD_CERTS = "workload-certs";
  public static final String ISTIO_ENVOY = "istio-envoy";
  public static final String ISTIO_DATA = "istio-data";
  public static final String PODINFO = "istio-podinfo";
  public static final String ISTIO_TOKEN = "istio-token";
  public static final String CA_CERT = "istiod-ca-cert";
  public static final String CA_CRL = "istio-ca-crl";

  /** Which proxy the set is for. */
  public enum Kind {
    SIDECAR,
    GATEWAY
  }

  /** The volumes, in the order Istio's templates declare them. */
  public static List<Volume> volumes(Kind kind) {
    List<Volume> out = new ArrayList<>(List.of(
        emptyDir(WORKLOAD_SOCKET, null),
        emptyDir(CREDENTIAL_SOCKET, null),
        emptyDir(WORKLOAD_CERTS, null),
        // Envoy's SDS socket and bootstrap: memory, since it holds the workload's private key path
        emptyDir(ISTIO_ENVOY, "Memory"),
        emptyDir(ISTIO_DATA, null),
        podInfo(),
        istioToken(),
        new VolumeBuilder().withName(CA_CERT)
            .withNewConfigMap().withName("istio-ca-root-cert").endConfigMap()
            .build()));
    if (kind == Kind.SIDECAR) {
      // certificate revocation lists, published by istiod only when a plug-in CA has them
      out.add(new VolumeBuilder().withName(CA_CRL)
          .withNewConfigMap().withName("istio-ca-crl").withOptional(true).endConfigMap()
          .build());
    }
    return out;
  }

  /** The istio-proxy container's mounts of {@link #volumes}, in the order of Istio's sidecar template. */
  public static List<VolumeMount> mounts(Kind kind) {
    List<VolumeMount> out = new ArrayList<>();
    out.add(mount(WORKLOAD_SOCKET, "/var/run/secrets/workload-spiffe-uds", false));
    out.add(mount(CREDENTIAL_SOCKET, "/var/run/secrets/credential-uds", false));
    out.add(mount(WORKLOAD_CERTS, "/var/run/secrets/workload-spiffe-credentials", false));
    out.add(mount(CA_CERT, "/var/run/secrets/istio", false));
    if (kind == Kind.SIDECAR) {
      out.add(mount(CA_CRL, "/var/run/secrets/istio/crl", false));
    }
    out.add(mount(ISTIO_DATA, "/var/lib/istio/data", false));
    out.add(mount(ISTIO_ENVOY, "/etc/istio/proxy", false));
    // projected tokens are read-only whatever the mount says; saying so matches Istio's gateway chart
    out.add(mount(ISTIO_TOKEN, "/var/run/secrets/tokens", true));
    out.add(mount(PODINFO, "/etc/istio/pod", false));
    return out;
  }

  public static List<String> names(Kind kind) {
    return volumes(kind).stream().map(Volume::getName).toList();
  }

  /**
   * pilot-agent reads the pod's labels and annotations from these files (pkg/bootstrap/config.go
   * ReadPodAnnotations, /etc/istio/pod/annotations): that is how the sidecar.istio.io/stats*
   * annotations reach Envoy's bootstrap without the injector reading them. The API server stores
   * fieldRef.apiVersion as v1 when left out; saying it keeps rendered objects free of drift.
   */
  public static Volume podInfo() {
    return new VolumeBuilder().withName(PODINFO)
        .withNewDownwardAPI()
          .addNewItem().withPath("labels").withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.labels").endFieldRef().endItem()
          .addNewItem().withPath("annotations").withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.annotations").endFieldRef().endItem()
        .endDownwardAPI()
        .build();
  }

  /** A projected token for audience istio-ca: what istiod's CA accepts (must-have 3). */
  public static Volume istioToken() {
    return new VolumeBuilder().withName(ISTIO_TOKEN)
        .withNewProjected()
          .addNewSource().withNewServiceAccountToken()
            .withAudience("istio-ca").withExpirationSeconds(43200L).withPath("istio-token")
          .endServiceAccountToken().endSource()
        .endProjected()
        .build();
  }

  public static Volume emptyDir(String name, String medium) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().withMedium(medium).endEmptyDir().build();
  }

  public static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder().withName(name).withMountPath(path)
        .withReadOnly(readOnly ? Boolean.TRUE : null).build();
  }
}
