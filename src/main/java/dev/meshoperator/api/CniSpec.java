package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/**
 * Istio CNI (Istio's {@code components.cni} and the {@code values.cni} fields users set): the
 * istio-cni-node DaemonSet sets up each injected pod's traffic redirect from the node, so injected
 * pods need no NET_ADMIN/NET_RAW init container. One per cluster (the node agent is a singleton):
 * its objects carry Istio's fixed names whatever the revision.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CniSpec {
  @JsonPropertyDescription("Install the Istio CNI node agent, and inject istio-validation instead of istio-init. Unset: the profile decides (off in every profile).")
  private Boolean enabled;

  @JsonPropertyDescription("Namespace of the istio-cni-node DaemonSet, its ServiceAccount and ConfigMap. Unset: the control plane namespace (Istio's default). It must exist unless it is the control plane namespace.")
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  private String namespace;

  @JsonPropertyDescription("Registry of the install-cni image. Unset: spec.hub.")
  @Pattern("^[^\\s:/][^\\s]*[^\\s/]$")
  private String hub;

  @JsonPropertyDescription("Tag of the install-cni image. Unset: spec.version.")
  @Pattern("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
  private String tag;

  @JsonPropertyDescription("Namespaces whose pods the CNI plugin leaves alone. Unset: [kube-system] (Istio's default).")
  private List<String> excludeNamespaces;

  @JsonPropertyDescription("install-cni container resources; requests and limits are merged key by key over the default (requests cpu 100m, memory 100Mi).")
  private ResourceRequirements resources;

  @JsonPropertyDescription("Host directory of the CNI plugin binaries. Unset: /opt/cni/bin (GKE: /home/kubernetes/bin; k3s: /var/lib/rancher/k3s/data/cni).")
  @Pattern("^/.*$")
  private String cniBinDir;

  @JsonPropertyDescription("Host directory of the CNI network configuration. Unset: /etc/cni/net.d (k3s: /var/lib/rancher/k3s/agent/etc/cni/net.d).")
  @Pattern("^/.*$")
  private String cniConfDir;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
  public String getHub() { return hub; }
  public void setHub(String hub) { this.hub = hub; }
  public String getTag() { return tag; }
  public void setTag(String tag) { this.tag = tag; }
  public List<String> getExcludeNamespaces() { return excludeNamespaces; }
  public void setExcludeNamespaces(List<String> excludeNamespaces) { this.excludeNamespaces = excludeNamespaces; }
  public ResourceRequirements getResources() { return resources; }
  public void setResources(ResourceRequirements resources) { this.resources = resources; }
  public String getCniBinDir() { return cniBinDir; }
  public void setCniBinDir(String cniBinDir) { this.cniBinDir = cniBinDir; }
  public String getCniConfDir() { return cniConfDir; }
  public void setCniConfDir(String cniConfDir) { this.cniConfDir = cniConfDir; }
}
