package dev.meshoperator.profile;

import dev.meshoperator.api.OutboundTrafficPolicy;
import dev.meshoperator.api.Profile;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What each profile installs before the user's spec is laid over it (Istio 1.30 manifests/profiles
 * and helm-profiles, see ISTIO-FACTS section 4). Values, not code paths: every profile yields the
 * same shape, so the overlay and the renderer never branch on the profile.
 */
final class ProfileDefaults {
  static final String INGRESS_NAME = "istio-ingressgateway";
  static final String EGRESS_NAME = "istio-egressgateway";

  /** A gateway the profile knows, enabled or not; a user entry with the same kind and name overlays it. */
  record GatewayTemplate(GatewayKind kind, String name, boolean enabled, WorkloadConfig workload) {}

  record Defaults(
      boolean baseEnabled,
      IstiodMode istiodMode,
      WorkloadConfig pilot,
      List<GatewayTemplate> gateways,
      MeshSettings mesh,
      InjectorConfig injector,
      AddonsConfig addons) {}

  private ProfileDefaults() {}

  static Defaults of(Profile profile) {
    boolean demo = profile == Profile.DEMO;
    IstiodMode istiod = switch (profile) {
      case DEFAULT, DEMO, MINIMAL -> IstiodMode.LOCAL;
      case REMOTE -> IstiodMode.REMOTE;
      case EMPTY -> IstiodMode.NONE;
    };
    boolean ingress = profile == Profile.DEFAULT || demo;
    return new Defaults(
        profile != Profile.EMPTY,
        istiod,
        pilot(demo),
        List.of(
            new GatewayTemplate(GatewayKind.INGRESS, INGRESS_NAME, ingress, gateway(GatewayKind.INGRESS, demo)),
            new GatewayTemplate(GatewayKind.EGRESS, EGRESS_NAME, demo, gateway(GatewayKind.EGRESS, demo))),
        mesh(demo),
        injector(profile != Profile.EMPTY, demo),
        AddonsConfig.NONE);
  }

  /** Settings of a gateway the user adds under a name no profile knows. */
  static WorkloadConfig newGateway(Profile profile, GatewayKind kind) {
    return gateway(kind, profile == Profile.DEMO);
  }

  private static WorkloadConfig pilot(boolean demo) {
    return new WorkloadConfig(
        1,
        demo ? requests("10m", "100Mi") : requests("500m", "2048Mi"),
        demo ? Autoscaling.OFF : Autoscaling.ISTIO_DEFAULT,
        Map.of(), List.of(), null, List.of(),
        new ServiceConfig("ClusterIP", List.of(), Map.of()),
        Map.of(), Map.of(),
        Optional.empty());
  }

  private static WorkloadConfig gateway(GatewayKind kind, boolean demo) {
    ResourceRequirements resources = demo
        ? requestsAndLimits("10m", "40Mi", "2000m", "1024Mi")
        : requestsAndLimits("100m", "128Mi", "2000m", "1024Mi");
    return new WorkloadConfig(
        1,
        resources,
        demo ? Autoscaling.OFF : Autoscaling.ISTIO_DEFAULT,
        Map.of(), List.of(), null, List.of(),
        kind == GatewayKind.INGRESS
            ? new ServiceConfig("LoadBalancer", ingressPorts(demo), Map.of())
            : new ServiceConfig("ClusterIP", egressPorts(), Map.of()),
        Map.of(), Map.of(),
        Optional.empty());
  }

  private static List<ServicePort> ingressPorts(boolean demo) {
    List<ServicePort> ports = new ArrayList<>(List.of(
        port("status-port", 15021, 15021),
        port("http2", 80, 8080),
        port("https", 443, 8443)));
    if (demo) {
      ports.add(port("tcp", 31400, 31400));
      ports.add(port("tls", 15443, 15443));
    }
    return ports;
  }

  private static List<ServicePort> egressPorts() {
    return List.of(port("http2", 80, 8080), port("https", 443, 8443));
  }

  private static ServicePort port(String name, int port, int targetPort) {
    return new ServicePortBuilder()
        .withName(name).withPort(port).withTargetPort(new IntOrString(targetPort)).withProtocol("TCP")
        .build();
  }

  private static MeshSettings mesh(boolean demo) {
    return new MeshSettings(
        demo ? "/dev/stdout" : "",
        demo ? 100.0 : 1.0,
        "cluster.local",
        OutboundTrafficPolicy.ALLOW_ANY,
        false,
        null,
        Map.of(),
        demo ? demoExtensionProviders() : List.of());
  }

  // The demo profile's tracing/logging providers; they point at services the user deploys.
  private static List<Map<String, Object>> demoExtensionProviders() {
    return List.of(
        provider("otel", "envoyOtelAls", "opentelemetry-collector.observability.svc.cluster.local", 4317),
        provider("skywalking", "skywalking", "tracing.istio-system.svc.cluster.local", 11800),
        provider("otel-tracing", "opentelemetry", "opentelemetry-collector.observability.svc.cluster.local", 4317),
        provider("jaeger", "opentelemetry", "jaeger-collector.istio-system.svc.cluster.local", 4317));
  }

  private static Map<String, Object> provider(String name, String type, String service, int port) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("port", port);
    settings.put("service", service);
    Map<String, Object> provider = new LinkedHashMap<>();
    provider.put("name", name);
    provider.put(type, settings);
    return provider;
  }

  private static InjectorConfig injector(boolean enabled, boolean demo) {
    return new InjectorConfig(
        enabled,
        demo ? requestsAndLimits("10m", "40Mi", "2000m", "1024Mi") : requestsAndLimits("100m", "128Mi", "2000m", "1024Mi"),
        Optional.empty(),
        true,
        List.of(), List.of(), Map.of(),
        Optional.empty(),
        10,
        Map.of());
  }

  private static ResourceRequirements requests(String cpu, String memory) {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory))
        .build();
  }

  private static ResourceRequirements requestsAndLimits(String cpu, String memory, String cpuLimit, String memoryLimit) {
    return new ResourceRequirementsBuilder(requests(cpu, memory))
        .addToLimits("cpu", new Quantity(cpuLimit)).addToLimits("memory", new Quantity(memoryLimit))
        .build();
  }
}
