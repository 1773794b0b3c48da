package dev.meshoperator.profile;

import dev.meshoperator.api.AutoscalingSpec;
import dev.meshoperator.api.MeshConfigSpec;
import dev.meshoperator.api.PodDisruptionBudgetSpec;
import dev.meshoperator.api.ProxyConfigSpec;
import dev.meshoperator.api.ServiceSpec;
import dev.meshoperator.api.SidecarInjectorSpec;
import dev.meshoperator.api.WorkloadSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Lays user settings over profile values: a set field wins, an unset (null) field keeps the
 * profile's. Maps of labels and annotations merge key by key; lists and scheduling constraints
 * replace, since merging tolerations or affinities rarely means what the user meant.
 */
final class Overlay {
  private Overlay() {}

  static WorkloadConfig workload(WorkloadConfig base, WorkloadSpec user, ServiceSpec userService) {
    if (user == null) {
      return base;
    }
    int replicas = or(user.getReplicas(), base.replicas());
    Autoscaling autoscaling = autoscaling(base.autoscaling(), user.getAutoscaling());
    return new WorkloadConfig(
        replicas,
        Copies.merge(base.resources(), user.getResources()),
        autoscaling,
        or(user.getNodeSelector(), base.nodeSelector()),
        or(user.getTolerations(), base.tolerations()),
        or(user.getAffinity(), base.affinity()),
        or(user.getEnv(), base.env()),
        service(base.service(), userService),
        merge(base.podAnnotations(), user.getPodAnnotations()),
        merge(base.podLabels(), user.getPodLabels()),
        podDisruptionBudget(user.getPodDisruptionBudget(), replicas, autoscaling));
  }

  /** Istio's rule when the user does not say: a budget only when more than one pod is guaranteed. */
  static Optional<PodDisruptionBudgetConfig> podDisruptionBudget(PodDisruptionBudgetSpec user, int replicas, Autoscaling autoscaling) {
    int guaranteedPods = autoscaling.enabled() ? autoscaling.minReplicas() : replicas;
    boolean enabled = user != null && user.getEnabled() != null ? user.getEnabled() : guaranteedPods > 1;
    if (!enabled) {
      return Optional.empty();
    }
    IntOrString maxUnavailable = user == null ? null : user.getMaxUnavailable();
    IntOrString minAvailable = user == null ? null : user.getMinAvailable();
    if (minAvailable == null && maxUnavailable == null) {
      minAvailable = new IntOrString(1);
    }
    return Optional.of(new PodDisruptionBudgetConfig(minAvailable, minAvailable == null ? maxUnavailable : null));
  }

  static Autoscaling autoscaling(Autoscaling base, AutoscalingSpec user) {
    if (user == null) {
      return base;
    }
    return new Autoscaling(
        or(user.getEnabled(), base.enabled()),
        or(user.getMinReplicas(), base.minReplicas()),
        or(user.getMaxReplicas(), base.maxReplicas()),
        or(user.getTargetCPUUtilizationPercentage(), base.targetCPUUtilizationPercentage()));
  }

  static ServiceConfig service(ServiceConfig base, ServiceSpec user) {
    if (user == null) {
      return base;
    }
    return new ServiceConfig(
        user.getType() == null ? base.type() : user.getType().name(),
        or(user.getPorts(), base.ports()),
        merge(base.annotations(), user.getAnnotations()));
  }

  static MeshSettings mesh(MeshSettings base, MeshConfigSpec user) {
    if (user == null) {
      return base;
    }
    ProxyConfigSpec proxy = user.getDefaultConfig() == null ? new ProxyConfigSpec() : user.getDefaultConfig();
    return new MeshSettings(
        or(user.getAccessLogFile(), base.accessLogFile()),
        or(user.getTraceSampling(), base.traceSampling()),
        or(user.getTrustDomain(), base.trustDomain()),
        or(user.getOutboundTrafficPolicy(), base.outboundTrafficPolicy()),
        or(proxy.getHoldApplicationUntilProxyStarts(), base.holdApplicationUntilProxyStarts()),
        or(proxy.getConcurrency(), base.concurrency()),
        merge(base.proxyMetadata(), proxy.getProxyMetadata()),
        base.extensionProviders());
  }

  static InjectorConfig injector(InjectorConfig base, SidecarInjectorSpec user) {
    if (user == null) {
      return base;
    }
    return new InjectorConfig(
        or(user.getEnabled(), base.enabled()),
        Copies.merge(base.proxyResources(), user.getResources()),
        user.getNativeSidecar() == null ? base.nativeSidecar() : Optional.of(user.getNativeSidecar()),
        or(user.getRewriteAppHTTPProbers(), base.rewriteAppHTTPProbers()),
        or(user.getNeverInjectSelector(), base.neverInjectSelector()),
        or(user.getAlwaysInjectSelector(), base.alwaysInjectSelector()),
        merge(base.injectedAnnotations(), user.getInjectedAnnotations()),
        user.getFailurePolicy() == null ? base.failurePolicy() : Optional.of(user.getFailurePolicy()),
        or(user.getTimeoutSeconds(), base.timeoutSeconds()),
        user.getTemplates() == null ? base.templates() : InjectionTemplates.fragments(user.getTemplates()));
  }

  private static <T> T or(T user, T base) {
    return user != null ? user : base;
  }

  private static Map<String, String> merge(Map<String, String> base, Map<String, String> user) {
    Map<String, String> merged = new TreeMap<>(base);
    if (user != null) {
      merged.putAll(user);
    }
    return merged;
  }
}
