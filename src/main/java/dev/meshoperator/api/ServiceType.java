package dev.meshoperator.api;

/** Service types a mesh component may use; ExternalName makes no sense for a workload. */
public enum ServiceType {
  ClusterIP, NodePort, LoadBalancer
}
