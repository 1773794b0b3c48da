package dev.meshoperator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's prometheus package (2.42) is built without Kubernetes service discovery: its promtool
 * and server reject {@code kubernetes_sd_configs}. They do have HTTP service discovery, so this
 * serves the test cluster's pods in that format, each with the {@code __meta_kubernetes_pod_*}
 * labels that Prometheus's own Kubernetes discovery (role pod) gives a target: one target per
 * container port (init containers included), or one per pod without ports. The addon's
 * relabelling then runs unchanged in the real Prometheus. Only the listing is ours, and it
 * follows Prometheus's documented label set.
 */
final class PodTargetsServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;

  PodTargetsServer(KubernetesClient client) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/targets", exchange -> {
      byte[] body = JSON.writeValueAsBytes(targets(client.pods().inAnyNamespace().list().getItems()));
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/targets";
  }

  static List<Map<String, Object>> targets(List<Pod> pods) {
    List<Map<String, Object>> groups = new ArrayList<>();
    for (Pod pod : pods) {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isEmpty()) {
        continue; // Prometheus's discovery skips pods without an IP too
      }
      Map<String, String> podLabels = podLabels(pod);
      boolean anyPort = false;
      for (boolean init : List.of(false, true)) {
        List<Container> containers = init ? pod.getSpec().getInitContainers() : pod.getSpec().getContainers();
        for (Container c : containers == null ? List.<Container>of() : containers) {
          for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
            anyPort = true;
            Map<String, String> labels = new LinkedHashMap<>(podLabels);
            labels.put("__meta_kubernetes_pod_container_name", c.getName());
            labels.put("__meta_kubernetes_pod_container_init", String.valueOf(init));
            labels.put("__meta_kubernetes_pod_container_port_number", String.valueOf(port.getContainerPort()));
            labels.put("__meta_kubernetes_pod_container_port_name", port.getName() == null ? "" : port.getName());
            labels.put("__meta_kubernetes_pod_container_port_protocol", port.getProtocol() == null ? "TCP" : port.getProtocol());
            groups.add(group(ip + ":" + port.getContainerPort(), labels));
          }
        }
      }
      if (!anyPort) {
        groups.add(group(ip, podLabels));
      }
    }
    return groups;
  }

  private static Map<String, String> podLabels(Pod pod) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("__meta_kubernetes_namespace", pod.getMetadata().getNamespace());
    labels.put("__meta_kubernetes_pod_name", pod.getMetadata().getName());
    labels.put("__meta_kubernetes_pod_ip", pod.getStatus().getPodIP());
    labels.put("__meta_kubernetes_pod_uid", pod.getMetadata().getUid());
    labels.put("__meta_kubernetes_pod_phase", pod.getStatus().getPhase() == null ? "" : pod.getStatus().getPhase());
    labels.put("__meta_kubernetes_pod_node_name", pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName());
    labels.put("__meta_kubernetes_pod_host_ip", pod.getStatus().getHostIP() == null ? "" : pod.getStatus().getHostIP());
    boolean ready = pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    labels.put("__meta_kubernetes_pod_ready", String.valueOf(ready));
    meta(labels, "label", pod.getMetadata().getLabels());
    meta(labels, "annotation", pod.getMetadata().getAnnotations());
    return labels;
  }

  private static void meta(Map<String, String> labels, String kind, Map<String, String> values) {
    if (values == null) {
      return;
    }
    values.forEach((k, v) -> {
      String name = sanitize(k);
      labels.put("__meta_kubernetes_pod_" + kind + "_" + name, v);
      labels.put("__meta_kubernetes_pod_" + kind + "present_" + name, "true");
    });
  }

  /** Prometheus's label name sanitizing: every character outside [a-zA-Z0-9_] becomes _. */
  static String sanitize(String name) {
    return name.replaceAll("[^a-zA-Z0-9_]", "_");
  }

  private static Map<String, Object> group(String target, Map<String, String> labels) {
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("targets", List.of(target));
    group.put("labels", labels);
    return group;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
