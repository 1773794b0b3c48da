package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshConfigSpec {
  @JsonPropertyDescription("Envoy access log path, e.g. /dev/stdout; empty disables access logs. Unset: the profile's.")
  private String accessLogFile;

  @JsonPropertyDescription("Percentage of requests traced, 0 to 100. Unset: the profile's (1, demo 100).")
  @Min(0)
  @Max(100)
  private Double traceSampling;

  @JsonPropertyDescription("SPIFFE trust domain of the mesh. Default cluster.local.")
  @Pattern("^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$")
  private String trustDomain;

  @JsonPropertyDescription("ALLOW_ANY lets sidecars reach unknown hosts; REGISTRY_ONLY only known services.")
  private OutboundTrafficPolicy outboundTrafficPolicy;

  @JsonPropertyDescription("Default proxy configuration for every sidecar and gateway.")
  private ProxyConfigSpec defaultConfig;

  public String getAccessLogFile() { return accessLogFile; }
  public void setAccessLogFile(String accessLogFile) { this.accessLogFile = accessLogFile; }
  public Double getTraceSampling() { return traceSampling; }
  public void setTraceSampling(Double traceSampling) { this.traceSampling = traceSampling; }
  public String getTrustDomain() { return trustDomain; }
  public void setTrustDomain(String trustDomain) { this.trustDomain = trustDomain; }
  public OutboundTrafficPolicy getOutboundTrafficPolicy() { return outboundTrafficPolicy; }
  public void setOutboundTrafficPolicy(OutboundTrafficPolicy v) { this.outboundTrafficPolicy = v; }
  public ProxyConfigSpec getDefaultConfig() { return defaultConfig; }
  public void setDefaultConfig(ProxyConfigSpec defaultConfig) { this.defaultConfig = defaultConfig; }
}
