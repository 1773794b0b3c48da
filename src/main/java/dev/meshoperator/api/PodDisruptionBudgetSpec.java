package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodDisruptionBudgetSpec {
  @JsonPropertyDescription("true: always create one; false: never; unset: only when more than one replica runs.")
  private Boolean enabled;

  @JsonPropertyDescription("Pods that must stay available (number or percentage). Default 1 unless maxUnavailable is set.")
  private IntOrString minAvailable;

  @JsonPropertyDescription("Pods that may be unavailable (number or percentage); excludes minAvailable.")
  private IntOrString maxUnavailable;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public IntOrString getMinAvailable() { return minAvailable; }
  public void setMinAvailable(IntOrString minAvailable) { this.minAvailable = minAvailable; }
  public IntOrString getMaxUnavailable() { return maxUnavailable; }
  public void setMaxUnavailable(IntOrString maxUnavailable) { this.maxUnavailable = maxUnavailable; }
}
