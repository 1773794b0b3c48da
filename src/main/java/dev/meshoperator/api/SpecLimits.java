package dev.meshoperator.api;

/**
 * Upper bounds on the lengths of the spec's lists and maps, written into the CRD as maxItems and
 * maxProperties so the API server refuses an oversized MeshInstall with the field's name, and
 * checked again by the profile's validator for specs that never met an API server (meshctl).
 * Each is far above any real install and low enough that a hostile spec cannot make the operator
 * render thousands of objects or the webhook merge thousands of selectors for every pod.
 */
public final class SpecLimits {
  /** spec.components.ingressGateways, egressGateways. */
  public static final int GATEWAYS = 16;
  /** spec.sidecarInjector.neverInjectSelector, alwaysInjectSelector. */
  public static final int SELECTORS = 32;
  /** spec.sidecarInjector.templates. */
  public static final int TEMPLATES = 32;
  /** env of istiod or a gateway. */
  public static final int ENV = 256;
  /** tolerations of istiod or a gateway. */
  public static final int TOLERATIONS = 64;
  /** A gateway's Service ports. */
  public static final int SERVICE_PORTS = 64;

  private SpecLimits() {}
}
