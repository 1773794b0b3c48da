package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import java.util.Map;

/** The subset of Istio's ProxyConfig the operator lets a MeshInstall set mesh-wide. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProxyConfigSpec {
  @JsonPropertyDescription("Start application containers only after the sidecar is ready. Default false.")
  private Boolean holdApplicationUntilProxyStarts;

  @JsonPropertyDescription("Envoy worker threads; 0 means one per CPU. Unset: Istio's default.")
  @Min(0)
  private Integer concurrency;

  @JsonPropertyDescription("Extra environment for pilot-agent in every proxy (ProxyConfig.proxyMetadata).")
  private Map<String, String> proxyMetadata;

  public Boolean getHoldApplicationUntilProxyStarts() { return holdApplicationUntilProxyStarts; }
  public void setHoldApplicationUntilProxyStarts(Boolean v) { this.holdApplicationUntilProxyStarts = v; }
  public Integer getConcurrency() { return concurrency; }
  public void setConcurrency(Integer concurrency) { this.concurrency = concurrency; }
  public Map<String, String> getProxyMetadata() { return proxyMetadata; }
  public void setProxyMetadata(Map<String, String> proxyMetadata) { this.proxyMetadata = proxyMetadata; }
}
