package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Components {
  @JsonPropertyDescription("Istio's API kinds as CustomResourceDefinitions. Unset: on in every profile but empty.")
  private BaseSpec base;

  @JsonPropertyDescription("istiod, the control plane. Its name, ports and Service ports are fixed by the mesh contract.")
  private PilotSpec pilot;

  @JsonPropertyDescription("Ingress gateways. An entry whose name matches a profile gateway overlays it; others are added. A listed gateway is enabled unless enabled is false.")
  @Size(max = SpecLimits.GATEWAYS)
  private List<GatewaySpec> ingressGateways;

  @JsonPropertyDescription("Egress gateways. An entry whose name matches a profile gateway overlays it; others are added. A listed gateway is enabled unless enabled is false.")
  @Size(max = SpecLimits.GATEWAYS)
  private List<GatewaySpec> egressGateways;

  @JsonPropertyDescription("Istio CNI: the istio-cni-node DaemonSet sets up injected pods' traffic redirect, so they pass Pod Security baseline. Off unless enabled.")
  private CniSpec cni;

  public BaseSpec getBase() { return base; }
  public void setBase(BaseSpec base) { this.base = base; }
  public PilotSpec getPilot() { return pilot; }
  public void setPilot(PilotSpec pilot) { this.pilot = pilot; }
  public List<GatewaySpec> getIngressGateways() { return ingressGateways; }
  public void setIngressGateways(List<GatewaySpec> ingressGateways) { this.ingressGateways = ingressGateways; }
  public List<GatewaySpec> getEgressGateways() { return egressGateways; }
  public void setEgressGateways(List<GatewaySpec> egressGateways) { this.egressGateways = egressGateways; }
  public CniSpec getCni() { return cni; }
  public void setCni(CniSpec cni) { this.cni = cni; }
}
