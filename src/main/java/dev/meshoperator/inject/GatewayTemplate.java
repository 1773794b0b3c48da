package dev.meshoperator.inject;

import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;

/**
 * Template {@code gateway} (files/gateway-injection-template.yaml): what Istio's gateway Helm chart
 * and Gateway API deployments ask for with {@code inject.istio.io/templates: gateway} and an
 * istio-proxy container of {@code image: auto}. The proxy runs as a router: no traffic capture, no
 * istio-init, no tlsMode label, the gateway's volumes (no CRL).
 */
final class GatewayTemplate implements InjectionTemplate {
  /** Lets the unprivileged proxy bind 80 and 443 (Kubernetes 1.22+ allows this sysctl as safe). */
  static final Sysctl UNPRIVILEGED_PORTS = new Sysctl("net.ipv4.ip_unprivileged_port_start", "0");

  @Override
  public String name() {
    return InjectionTemplates.GATEWAY;
  }

  @Override
  public Pod render(TemplateContext ctx) {
    List<Volume> volumes = new ArrayList<>(ProxyVolumes.volumes(ProxyVolumes.Kind.GATEWAY));
    volumes.addAll(TemplateParts.extraVolumes(ctx));
    Pod pod = TemplateParts.pod(TemplateParts.canonicalLabels(ctx), TemplateParts.defaultContainer(ctx),
        List.of(), List.of(ProxyContainer.gateway(ctx)), volumes);
    PodSecurityContext securityContext = new PodSecurityContext();
    securityContext.setSysctls(sysctls(ctx));
    pod.getSpec().setSecurityContext(securityContext);
    return pod;
  }

  /**
   * The pod's sysctls plus the unprivileged-port one. Istio's template replaces the pod's list; we
   * keep the pod's others, which is what a user who set them means.
   */
  private static List<Sysctl> sysctls(TemplateContext ctx) {
    List<Sysctl> out = new ArrayList<>(ctx.sysctls());
    if (out.stream().noneMatch(s -> UNPRIVILEGED_PORTS.getName().equals(s.getName()))) {
      out.add(UNPRIVILEGED_PORTS);
    }
    return out;
  }
}
