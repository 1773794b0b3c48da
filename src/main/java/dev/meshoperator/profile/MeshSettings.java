package dev.meshoperator.profile;

import dev.meshoperator.api.OutboundTrafficPolicy;
import java.util.List;
import java.util.Map;

/**
 * Mesh-wide settings: what goes into the {@code istio} ConfigMap and what the injector needs to
 * know about default proxy behaviour. {@code concurrency} is null when Istio's default applies;
 * {@code extensionProviders} are Istio MeshConfig extensionProvider entries as plain maps.
 */
public record MeshSettings(
    String accessLogFile,
    double traceSampling,
    String trustDomain,
    OutboundTrafficPolicy outboundTrafficPolicy,
    boolean holdApplicationUntilProxyStarts,
    Integer concurrency,
    Map<String, String> proxyMetadata,
    List<Map<String, Object>> extensionProviders) {

  public MeshSettings {
    proxyMetadata = Copies.sorted(proxyMetadata);
    extensionProviders = extensionProviders == null ? List.of() : List.copyOf(extensionProviders);
  }
}
