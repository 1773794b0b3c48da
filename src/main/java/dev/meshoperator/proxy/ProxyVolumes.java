package dev.meshoperator.proxy;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeSource;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeMount;
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
        configMap(CA_CERT, "istio-ca-root-cert", null)));
    if (kind == Kind.SIDECAR) {
      // certificate revocation lists, published by istiod only when a plug-in CA has them
      out.add(configMap(CA_CRL, "istio-ca-crl", true));
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
    DownwardAPIVolumeSource source = new DownwardAPIVolumeSource();
    source.setItems(new ArrayList<>(List.of(
        downwardFile("labels", "metadata.labels"), downwardFile("annotations", "metadata.annotations"))));
    Volume v = volume(PODINFO);
    v.setDownwardAPI(source);
    return v;
  }

  /** A projected token for audience istio-ca: what istiod's CA accepts (must-have 3). */
  public static Volume istioToken() {
    ServiceAccountTokenProjection token = new ServiceAccountTokenProjection();
    token.setAudience("istio-ca");
    token.setExpirationSeconds(43200L);
    token.setPath("istio-token");
    VolumeProjection projection = new VolumeProjection();
    projection.setServiceAccountToken(token);
    ProjectedVolumeSource projected = new ProjectedVolumeSource();
    projected.setSources(new ArrayList<>(List.of(projection)));
    Volume v = volume(ISTIO_TOKEN);
    v.setProjected(projected);
    return v;
  }

  public static Volume emptyDir(String name, String medium) {
    EmptyDirVolumeSource emptyDir = new EmptyDirVolumeSource();
    emptyDir.setMedium(medium);
    Volume v = volume(name);
    v.setEmptyDir(emptyDir);
    return v;
  }

  // Plain setters below, not VolumeBuilder: a builder's construction and copy were a tenth of an
  // injection's CPU (JFR over bench's InjectionBenchmark), for objects that are constant.
  private static Volume volume(String name) {
    Volume v = new Volume();
    v.setName(name);
    return v;
  }

  private static Volume configMap(String name, String configMap, Boolean optional) {
    ConfigMapVolumeSource source = new ConfigMapVolumeSource();
    source.setName(configMap);
    source.setOptional(optional);
    Volume v = volume(name);
    v.setConfigMap(source);
    return v;
  }

  private static DownwardAPIVolumeFile downwardFile(String path, String fieldPath) {
    DownwardAPIVolumeFile file = new DownwardAPIVolumeFile();
    file.setPath(path);
    file.setFieldRef(new ObjectFieldSelector("v1", fieldPath));
    return file;
  }

  public static VolumeMount mount(String name, String path, boolean readOnly) {
    VolumeMount m = new VolumeMount();
    m.setName(name);
    m.setMountPath(path);
    m.setReadOnly(readOnly ? Boolean.TRUE : null);
    return m;
  }
}
