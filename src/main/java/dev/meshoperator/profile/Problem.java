package dev.meshoperator.profile;

/**
 * One thing wrong with a MeshInstall spec that the CRD schema cannot catch: {@code field} is a path
 * such as {@code spec.components.ingressGateways[0].autoscaling}, {@code reason} says what is wrong.
 */
public record Problem(String field, String reason) {
  @Override
  public String toString() {
    return field + ": " + reason;
  }
}
