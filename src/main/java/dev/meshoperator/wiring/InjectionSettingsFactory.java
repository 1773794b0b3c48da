package dev.meshoperator.wiring;

import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.NativeSidecarMode;
import dev.meshoperator.inject.ProxyLogLevels;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.InjectorConfig;

/**
 * The injector settings of one resolved MeshInstall. Pure; the one place that decides how profile
 * values reach the sidecar, used by {@code meshctl kube-inject}, the webhook and the operator.
 */
public final class InjectionSettingsFactory {
  /** The DNS domain istiod is started with ({@code --domain}). */
  static final String CLUSTER_DOMAIN = "cluster.local";

  private InjectionSettingsFactory() {}

  /**
   * @param serverSupportsNativeSidecars whether the target API server runs native sidecars
   *     (Kubernetes 1.29+); consulted only when the MeshInstall leaves nativeSidecar unset
   */
  public static InjectionSettings from(EffectiveConfig config, boolean serverSupportsNativeSidecars) {
    InjectorConfig injector = config.injector();
    String trustDomain = config.mesh().trustDomain();
    return new InjectionSettings(
        config.revision().label(),
        config.namespace(),
        // The same address istiod and the gateways are given, so a remote istiod is honoured too.
        config.discoveryAddress(),
        config.images().proxy(),
        // spec.cluster and spec.meshId, as istiod and the gateways are given them
        config.cluster().clusterName(),
        config.cluster().network(),
        config.meshId(),
        trustDomain,
        CLUSTER_DOMAIN,
        injector.proxyResources(),
        nativeMode(injector),
        serverSupportsNativeSidecars,
        injector.rewriteAppHTTPProbers(),
        config.mesh().holdApplicationUntilProxyStarts(),
        // meshConfig.defaultConfig, which sidecars learn only through PROXY_CONFIG and their env
        config.mesh().concurrency(),
        config.mesh().proxyMetadata(),
        injector.neverInjectSelector(),
        injector.alwaysInjectSelector(),
        injector.injectedAnnotations(),
        // MeshInstall has no log level fields; pods still set theirs through annotations.
        ProxyLogLevels.defaults(),
        // spec.sidecarInjector.templates, beside the built-in ones (sidecar, gateway, grpc-*)
        injector.templates(),
        // Istio CNI installed by this MeshInstall: istio-validation instead of istio-init.
        config.cni().enabled(),
        // Revision tags (and, under RevisionBased, the install's own revision label) select the
        // active revision; an inactive one answers to its own name only.
        config.role().active() ? config.role().tags() : java.util.List.of());
  }

  private static NativeSidecarMode nativeMode(InjectorConfig injector) {
    return injector.nativeSidecar()
        .map(on -> on ? NativeSidecarMode.ON : NativeSidecarMode.OFF)
        .orElse(NativeSidecarMode.AUTO);
  }
}
