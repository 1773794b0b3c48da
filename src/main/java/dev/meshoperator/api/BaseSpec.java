package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BaseSpec {
  @JsonPropertyDescription("Install Istio's API CRDs. Unset: the profile decides.")
  private Boolean enabled;

  // Off by default: the CRDs are shared by every revision, and deleting one deletes every Istio
  // resource of its kind in the cluster (VirtualServices, AuthorizationPolicies, ...).
  @JsonPropertyDescription("Delete Istio's API CRDs, and with them every Istio resource in the cluster, when this MeshInstall is deleted and no other MeshInstall remains. Default false: the CRDs stay.")
  private Boolean removeOnUninstall;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public Boolean getRemoveOnUninstall() { return removeOnUninstall; }
  public void setRemoveOnUninstall(Boolean removeOnUninstall) { this.removeOnUninstall = removeOnUninstall; }
}
