package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PilotSpec extends WorkloadSpec {
  @JsonPropertyDescription("Service type and annotations of the istiod Service; its ports are fixed (proxies and webhooks depend on them) and must not be set.")
  private ServiceSpec service;

  public ServiceSpec getService() { return service; }
  public void setService(ServiceSpec service) { this.service = service; }
}
