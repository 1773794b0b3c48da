package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.IstiodMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;

/**
 * For the remote profile given an IP address: a selector-less Service {@code istiod} whose
 * EndpointSlice points at the external istiod. Proxies and webhooks then reach it by a name that is
 * in istiod's certificate; an IP never is. A host name needs no Service (it is used directly).
 */
final class RemoteIstiod implements ComponentRenderer {
  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    if (config.istiodMode() != IstiodMode.REMOTE || !config.remoteAddressIsIp()) {
      return List.of();
    }
    String address = config.remoteAddress().orElseThrow();
    String service = config.istiodServiceName();
    Map<String, String> labels = Labels.revisioned(config, Labels.COMPONENT_ISTIOD_REMOTE);
    Map<String, String> sliceLabels = Labels.with(labels, Map.of(
        "kubernetes.io/service-name", service,
        // Any value but the controller's own keeps the EndpointSlice controller's hands off it.
        "endpointslice.kubernetes.io/managed-by", Labels.MANAGED_BY_VALUE));
    return List.of(
        new ServiceBuilder()
            .withMetadata(Meta.namespaced(config, service, labels))
            .withNewSpec()
              .withPorts(Istiod.servicePort("https-dns", 15012, 15012), Istiod.servicePort("https-webhook", 443, 15017))
            .endSpec()
            .build(),
        new EndpointSliceBuilder()
            .withMetadata(Meta.namespaced(config, service + "-remote", sliceLabels))
            .withAddressType(address.contains(":") ? "IPv6" : "IPv4")
            .addNewEndpoint().withAddresses(address).endEndpoint()
            .addNewPort().withName("https-dns").withPort(15012).withProtocol("TCP").endPort()
            .addNewPort().withName("https-webhook").withPort(15017).withProtocol("TCP").endPort()
            .build());
  }
}
