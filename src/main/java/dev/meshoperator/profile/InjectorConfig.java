package dev.meshoperator.profile;

import dev.meshoperator.api.FailurePolicy;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator's injector and its webhook configuration need. {@code nativeSidecar} empty
 * means "decide per node by kubelet version" (Istio's ENABLE_NATIVE_SIDECARS=auto).
 * {@code failurePolicy} empty means the operator's default (its --default-failure-policy, Fail
 * unless configured), so one operator setting can govern every install that does not choose.
 * {@code templates} are the user injection templates as pod fragments, by name.
 */
public record InjectorConfig(
    boolean enabled,
    ResourceRequirements proxyResources,
    Optional<Boolean> nativeSidecar,
    boolean rewriteAppHTTPProbers,
    List<LabelSelector> neverInjectSelector,
    List<LabelSelector> alwaysInjectSelector,
    Map<String, String> injectedAnnotations,
    Optional<FailurePolicy> failurePolicy,
    int timeoutSeconds,
    Map<String, Pod> templates) {

  public InjectorConfig {
    proxyResources = Copies.resources(proxyResources);
    neverInjectSelector = Copies.selectors(neverInjectSelector);
    alwaysInjectSelector = Copies.selectors(alwaysInjectSelector);
    injectedAnnotations = Copies.sorted(injectedAnnotations);
    templates = InjectionTemplates.copy(templates);
  }

  /** A fresh copy on every call: fabric8 objects are mutable and this record is shared. */
  @Override
  public Map<String, Pod> templates() {
    return InjectionTemplates.copy(templates);
  }
}
