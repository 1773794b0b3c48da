package dev.meshoperator.profile;

public enum GatewayKind {
  INGRESS("ingress-gateway"), EGRESS("egress-gateway");

  private final String component;

  GatewayKind(String component) {
    this.component = component;
  }

  /** Value of the meshoperator.dev/component label of this kind's objects. */
  public String component() {
    return component;
  }
}
