package dev.meshoperator.profile;

import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;

/** A component's Service: type (ClusterIP, NodePort, LoadBalancer), ports, annotations (sorted). */
public record ServiceConfig(String type, List<ServicePort> ports, Map<String, String> annotations) {
  public ServiceConfig {
    ports = Copies.servicePorts(ports);
    annotations = Copies.sorted(annotations);
  }
}
