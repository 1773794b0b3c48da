package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** Kubernetes settings shared by istiod and the gateways; unset fields keep the profile's value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadSpec {
  @JsonPropertyDescription("Install this component. Unset: the profile decides (for a listed gateway: enabled).")
  private Boolean enabled;

  @JsonPropertyDescription("Replicas when autoscaling is off.")
  @Min(0)
  private Integer replicas;

  @JsonPropertyDescription("Container resources; requests and limits are merged key by key over the profile's.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("HorizontalPodAutoscaler settings; when enabled the Deployment's replicas are left to the autoscaler.")
  private AutoscalingSpec autoscaling;

  @JsonPropertyDescription("Pod nodeSelector; replaces the profile's.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Pod tolerations; replace the profile's.")
  @Size(max = SpecLimits.TOLERATIONS)
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Pod affinity; replaces the profile's.")
  private Affinity affinity;

  @JsonPropertyDescription("Extra container environment; a variable with the same name as a built-in one replaces it.")
  @Size(max = SpecLimits.ENV)
  private List<EnvVar> env;

  @JsonPropertyDescription("Pod annotations, merged over the built-in ones.")
  private Map<String, String> podAnnotations;

  @JsonPropertyDescription("Pod labels, merged over the built-in ones (selector labels cannot be replaced).")
  private Map<String, String> podLabels;

  @JsonPropertyDescription("PodDisruptionBudget. Unset enabled: one is created when more than one replica runs.")
  private PodDisruptionBudgetSpec podDisruptionBudget;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public Integer getReplicas() { return replicas; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public ResourceRequirements getResources() { return resources; }
  public void setResources(ResourceRequirements resources) { this.resources = resources; }
  public AutoscalingSpec getAutoscaling() { return autoscaling; }
  public void setAutoscaling(AutoscalingSpec autoscaling) { this.autoscaling = autoscaling; }
  public Map<String, String> getNodeSelector() { return nodeSelector; }
  public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
  public List<Toleration> getTolerations() { return tolerations; }
  public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
  public Affinity getAffinity() { return affinity; }
  public void setAffinity(Affinity affinity) { this.affinity = affinity; }
  public List<EnvVar> getEnv() { return env; }
  public void setEnv(List<EnvVar> env) { this.env = env; }
  public Map<String, String> getPodAnnotations() { return podAnnotations; }
  public void setPodAnnotations(Map<String, String> podAnnotations) { this.podAnnotations = podAnnotations; }
  public Map<String, String> getPodLabels() { return podLabels; }
  public void setPodLabels(Map<String, String> podLabels) { this.podLabels = podLabels; }
  public PodDisruptionBudgetSpec getPodDisruptionBudget() { return podDisruptionBudget; }
  public void setPodDisruptionBudget(PodDisruptionBudgetSpec podDisruptionBudget) { this.podDisruptionBudget = podDisruptionBudget; }
}
