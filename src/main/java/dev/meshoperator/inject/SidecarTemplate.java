package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import dev.meshoperator.proxy.ProxyVolumes;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Template {@code sidecar} (Istio's default; files/injection-template.yaml): the traffic-redirect
 * init container (istio-init, or istio-validation with Istio CNI) and istio-proxy, as a native
 * sidecar (restartable init container) or a classic one.
 */
final class SidecarTemplate implements InjectionTemplate {
  @Override
  public String name() {
    return InjectionTemplates.SIDECAR;
  }

  @Override
  public Pod render(TemplateContext ctx) {
    SidecarOptions o = ctx.options();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(TLS_MODE_LABEL, TemplateParts.firstNonEmpty(ctx.labels().get(TLS_MODE_LABEL), "istio"));
    labels.putAll(TemplateParts.canonicalLabels(ctx));

    List<Container> init = new ArrayList<>();
    List<Container> containers = new ArrayList<>();
    TrafficRedirect.initContainer(o, ctx.settings().cni()).ifPresent(init::add);
    Container proxy = ProxyContainer.sidecar(ctx);
    if (o.nativeSidecar()) {
      init.add(proxy);
    } else {
      containers.add(proxy);
    }
    List<Volume> volumes = new ArrayList<>(ProxyVolumes.volumes(ProxyVolumes.Kind.SIDECAR));
    volumes.addAll(TemplateParts.extraVolumes(ctx));
    Map<String, String> annotations = TemplateParts.defaultContainer(ctx);
    annotations.putAll(TrafficRedirect.cniAnnotations(o, ctx.settings().cni()));
    // Plain setters, not PodBuilder: the builder copies every container, env var and volume into
    // a builder and back, which was a third of an injection's CPU (JFR, bench/run.sh).
    return TemplateParts.pod(labels, annotations, init, containers, volumes);
  }
}
