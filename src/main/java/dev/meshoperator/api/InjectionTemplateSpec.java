package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.Map;

/**
 * One user injection template: a pod fragment laid over the pod when its name is listed in the
 * pod's inject.istio.io/templates annotation. Istio's user templates are Go templates; ours are
 * plain fragments, so the webhook runs no user code.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InjectionTemplateSpec {
  @JsonPropertyDescription("Labels added to the pod (a pod's own label of the same name is replaced).")
  private Map<String, String> labels;

  @JsonPropertyDescription("Annotations added to the pod.")
  private Map<String, String> annotations;

  @JsonPropertyDescription("A PodSpec fragment laid over the pod by strategic merge, after the templates before it in the list: containers and initContainers by name (a container named like an app container or istio-proxy changes it; another name is added), volumes by name, env by name, ports by containerPort, volumeMounts by mountPath; other lists are replaced.")
  @PreserveUnknownFields
  private JsonNode spec;

  public Map<String, String> getLabels() { return labels; }
  public void setLabels(Map<String, String> labels) { this.labels = labels; }
  public Map<String, String> getAnnotations() { return annotations; }
  public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
  public JsonNode getSpec() { return spec; }
  public void setSpec(JsonNode spec) { this.spec = spec; }
}
