package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AutoscalingSpec {
  @JsonPropertyDescription("Create a HorizontalPodAutoscaler. Unset: the profile decides.")
  private Boolean enabled;

  @JsonPropertyDescription("Lowest replica count; must not exceed maxReplicas.")
  @Min(1)
  private Integer minReplicas;

  @JsonPropertyDescription("Highest replica count.")
  @Min(1)
  private Integer maxReplicas;

  @JsonProperty("targetCPUUtilizationPercentage")
  @JsonPropertyDescription("Average CPU utilization (percent of requests) the autoscaler aims for.")
  @Min(1)
  @Max(1000)
  private Integer targetCPUUtilizationPercentage;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public Integer getMinReplicas() { return minReplicas; }
  public void setMinReplicas(Integer minReplicas) { this.minReplicas = minReplicas; }
  public Integer getMaxReplicas() { return maxReplicas; }
  public void setMaxReplicas(Integer maxReplicas) { this.maxReplicas = maxReplicas; }
  public Integer getTargetCPUUtilizationPercentage() { return targetCPUUtilizationPercentage; }
  public void setTargetCPUUtilizationPercentage(Integer v) { this.targetCPUUtilizationPercentage = v; }
}
