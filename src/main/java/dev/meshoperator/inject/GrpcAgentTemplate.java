package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Template {@code grpc-agent} (files/grpc-agent.yaml): proxyless gRPC with pilot-agent beside the
 * app (no Envoy) serving it xDS and certificates over a shared directory. No capture, no tlsMode
 * label (gRPC's own mTLS setup decides), no probe rewrite.
 */
final class GrpcAgentTemplate implements InjectionTemplate {
  static final String XDS_VOLUME = "istio-xds";

  @Override
  public String name() {
    return InjectionTemplates.GRPC_AGENT;
  }

  @Override
  public Pod render(TemplateContext ctx) {
    Map<String, String> annotations = new LinkedHashMap<>(TemplateParts.defaultContainer(ctx));
    annotations.put(REWRITE_PROBES, "false");
    List<Container> containers = new ArrayList<>();
    containers.add(ProxyContainer.grpcAgent(ctx));
    for (String app : ctx.appNames()) {
      containers.add(new ContainerBuilder().withName(app)
          .withEnv(ProxyContainer.value("GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", "true"),
              ProxyContainer.value("GRPC_XDS_BOOTSTRAP", "/etc/istio/proxy/grpc-bootstrap.json"))
          .withVolumeMounts(
              ProxyVolumes.mount(ProxyVolumes.ISTIO_DATA, "/var/lib/istio/data", false),
              ProxyVolumes.mount(XDS_VOLUME, "/etc/istio/proxy", false),
              ProxyVolumes.mount(ProxyVolumes.WORKLOAD_CERTS, "/var/run/secrets/workload-spiffe-credentials", false))
          .build());
    }
    List<Volume> volumes = new ArrayList<>(List.of(
        ProxyVolumes.emptyDir(ProxyVolumes.WORKLOAD_SOCKET, null),
        ProxyVolumes.emptyDir(ProxyVolumes.WORKLOAD_CERTS, null),
        ProxyVolumes.emptyDir(XDS_VOLUME, "Memory"),
        ProxyVolumes.emptyDir(ProxyVolumes.ISTIO_DATA, null),
        ProxyVolumes.podInfo(),
        ProxyVolumes.istioToken()));
    ProxyVolumes.volumes(ProxyVolumes.Kind.GATEWAY).stream()
        .filter(v -> ProxyVolumes.CA_CERT.equals(v.getName())).forEach(volumes::add);
    volumes.addAll(TemplateParts.extraVolumes(ctx));
    return new PodBuilder()
        .withNewMetadata().withLabels(TemplateParts.canonicalLabels(ctx)).withAnnotations(annotations).endMetadata()
        .withNewSpec().withContainers(containers).withVolumes(volumes).endSpec()
        .build();
  }
}
