package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * Which cluster and network of a multi-cluster mesh this installation is (Istio's
 * {@code values.global.multiCluster.clusterName} and {@code values.global.network}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterSpec {
  /** Istio's default cluster name (istiod's CLUSTER_ID when clusterName is unset). */
  public static final String DEFAULT_NAME = "Kubernetes";
  /**
   * A label value, not empty: the name is a Secret data key and annotation value on the primary
   * (istio-remote-secret-*), a path segment of the injection URL and the topology.istio.io/cluster label.
   */
  public static final String NAME_PATTERN = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
  /** A label value (the injector writes it as the pod label topology.istio.io/network); empty means none. */
  public static final String NETWORK_PATTERN = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";

  @JsonPropertyDescription("Name of this cluster in the mesh: istiod's CLUSTER_ID and ISTIO_META_CLUSTER_ID of gateways and injected proxies. "
      + "Must be unique among the mesh's clusters and equal the name the primary's remote secret uses. Default Kubernetes.")
  @Pattern(NAME_PATTERN)
  private String name;

  @JsonPropertyDescription("Network of this cluster's workloads (ISTIO_META_NETWORK of gateways and proxies, label topology.istio.io/network "
      + "on injected pods; a pod's own label wins). Empty: one flat network.")
  @Pattern(NETWORK_PATTERN)
  private String network;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNetwork() { return network; }
  public void setNetwork(String network) { this.network = network; }
}
