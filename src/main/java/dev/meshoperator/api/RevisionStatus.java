package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One control plane revision of an install: the active one, or an older one still in use. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RevisionStatus {
  @JsonPropertyDescription("Revision name, the value of istio.io/rev (\"default\" for the default revision).")
  private String name;
  @JsonPropertyDescription("Istio version its istiod and its injected proxies run.")
  private String version;
  @JsonPropertyDescription("True for the revision new pods are injected with.")
  private Boolean active;
  @JsonPropertyDescription("Its istiod is available.")
  private Boolean ready;
  @JsonPropertyDescription("Pods whose sidecar was injected by this revision.")
  private Integer pods;
  @JsonPropertyDescription("An inactive revision kept until no pod uses it and its grace period has passed.")
  private Boolean draining;
  @JsonPropertyDescription("When the last pod using this inactive revision went away (RFC 3339); its removal is due a grace period later.")
  private String unusedSince;

  public RevisionStatus() {}

  public RevisionStatus(String name, String version) {
    this.name = name;
    this.version = version;
  }

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
  public Boolean getActive() { return active; }
  public void setActive(Boolean active) { this.active = active; }
  public Boolean getReady() { return ready; }
  public void setReady(Boolean ready) { this.ready = ready; }
  public Integer getPods() { return pods; }
  public void setPods(Integer pods) { this.pods = pods; }
  public Boolean getDraining() { return draining; }
  public void setDraining(Boolean draining) { this.draining = draining; }
  public String getUnusedSince() { return unusedSince; }
  public void setUnusedSince(String unusedSince) { this.unusedSince = unusedSince; }
}
