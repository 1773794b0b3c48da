package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemoteSpec {
  @JsonPropertyDescription("Host name or IP address (no scheme, no port) of the external istiod; proxies connect to it on 15012 and the injector on 15017.")
  @Required
  @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$")
  private String address;

  public String getAddress() { return address; }
  public void setAddress(String address) { this.address = address; }
}
