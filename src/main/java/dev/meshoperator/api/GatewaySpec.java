package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewaySpec extends WorkloadSpec {
  @JsonPropertyDescription("Name of the gateway's Deployment, Service and ServiceAccount prefix (a DNS label), e.g. istio-ingressgateway.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  private String name;

  @JsonPropertyDescription("The gateway's Service: type, ports (replace the profile's when set) and annotations (merged).")
  private ServiceSpec service;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public ServiceSpec getService() { return service; }
  public void setService(ServiceSpec service) { this.service = service; }
}
