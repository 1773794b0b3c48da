package dev.meshoperator.profile;

public record Autoscaling(boolean enabled, int minReplicas, int maxReplicas, int targetCPUUtilizationPercentage) {
  public static final Autoscaling OFF = new Autoscaling(false, 1, 5, 80);
  public static final Autoscaling ISTIO_DEFAULT = new Autoscaling(true, 1, 5, 80);
}
