package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {
  @JsonPropertyDescription("Service type. Unset: the profile's (LoadBalancer for ingress, ClusterIP otherwise).")
  private ServiceType type;

  @JsonPropertyDescription("Service ports; when set they replace the profile's ports.")
  @Size(max = SpecLimits.SERVICE_PORTS)
  private List<ServicePort> ports;

  @JsonPropertyDescription("Service annotations, merged over the profile's.")
  private Map<String, String> annotations;

  public ServiceType getType() { return type; }
  public void setType(ServiceType type) { this.type = type; }
  public List<ServicePort> getPorts() { return ports; }
  public void setPorts(List<ServicePort> ports) { this.ports = ports; }
  public Map<String, String> getAnnotations() { return annotations; }
  public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
}
