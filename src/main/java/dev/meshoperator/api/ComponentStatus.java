package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ComponentStatus {
  @JsonPropertyDescription("Object name, e.g. istiod or istio-ingressgateway.")
  private String name;
  @JsonPropertyDescription("Object kind, e.g. Deployment.")
  private String kind;
  @JsonPropertyDescription("Replicas wanted.")
  private Integer desiredReplicas;
  @JsonPropertyDescription("Replicas ready.")
  private Integer readyReplicas;

  public ComponentStatus() {}

  public ComponentStatus(String name, String kind, Integer desiredReplicas, Integer readyReplicas) {
    this.name = name;
    this.kind = kind;
    this.desiredReplicas = desiredReplicas;
    this.readyReplicas = readyReplicas;
  }

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getKind() { return kind; }
  public void setKind(String kind) { this.kind = kind; }
  public Integer getDesiredReplicas() { return desiredReplicas; }
  public void setDesiredReplicas(Integer desiredReplicas) { this.desiredReplicas = desiredReplicas; }
  public Integer getReadyReplicas() { return readyReplicas; }
  public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
}
