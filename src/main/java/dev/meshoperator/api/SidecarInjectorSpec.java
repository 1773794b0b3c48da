package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SidecarInjectorSpec {
  @JsonPropertyDescription("Inject sidecars into pods of namespaces labelled istio-injection=enabled (or istio.io/rev). Unset: on in every profile but empty.")
  private Boolean enabled;

  @JsonPropertyDescription("Resources of the injected istio-proxy container; merged key by key over the profile's. Pod annotations sidecar.istio.io/proxyCPU etc. still win.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("Inject istio-proxy as a native sidecar (restartable init container). Unset: automatic, by kubelet version.")
  private Boolean nativeSidecar;

  @JsonPropertyDescription("Rewrite application HTTP/TCP/gRPC probes to go through the sidecar's status port. Default true.")
  private Boolean rewriteAppHTTPProbers;

  @JsonPropertyDescription("Pods matching any of these selectors are not injected even in an injection-enabled namespace.")
  @Size(max = SpecLimits.SELECTORS)
  private List<LabelSelector> neverInjectSelector;

  @JsonPropertyDescription("Pods matching any of these selectors are injected even when the namespace policy would not.")
  @Size(max = SpecLimits.SELECTORS)
  private List<LabelSelector> alwaysInjectSelector;

  @JsonPropertyDescription("Annotations added to every injected pod.")
  private Map<String, String> injectedAnnotations;

  @JsonPropertyDescription("What the API server does when the injection webhook cannot be reached: Fail rejects the pod, Ignore admits it without a sidecar. Unset: the operator's default (Fail unless the operator was started with --default-failure-policy).")
  private FailurePolicy failurePolicy;

  @JsonPropertyDescription("Injection webhook timeout in seconds, 1 to 30.")
  @Default("10")
  @Min(1)
  @Max(30)
  private Integer timeoutSeconds;

  @JsonPropertyDescription("User injection templates by name, for pods whose inject.istio.io/templates annotation lists them (comma-separated, applied in order, e.g. \"sidecar,team-defaults\"). Names are DNS labels and may not be a built-in template: sidecar, gateway, grpc-simple, grpc-agent.")
  @Size(max = SpecLimits.TEMPLATES)
  private Map<String, InjectionTemplateSpec> templates;

  public Map<String, InjectionTemplateSpec> getTemplates() { return templates; }
  public void setTemplates(Map<String, InjectionTemplateSpec> templates) { this.templates = templates; }
  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public ResourceRequirements getResources() { return resources; }
  public void setResources(ResourceRequirements resources) { this.resources = resources; }
  public Boolean getNativeSidecar() { return nativeSidecar; }
  public void setNativeSidecar(Boolean nativeSidecar) { this.nativeSidecar = nativeSidecar; }
  public Boolean getRewriteAppHTTPProbers() { return rewriteAppHTTPProbers; }
  public void setRewriteAppHTTPProbers(Boolean v) { this.rewriteAppHTTPProbers = v; }
  public List<LabelSelector> getNeverInjectSelector() { return neverInjectSelector; }
  public void setNeverInjectSelector(List<LabelSelector> v) { this.neverInjectSelector = v; }
  public List<LabelSelector> getAlwaysInjectSelector() { return alwaysInjectSelector; }
  public void setAlwaysInjectSelector(List<LabelSelector> v) { this.alwaysInjectSelector = v; }
  public Map<String, String> getInjectedAnnotations() { return injectedAnnotations; }
  public void setInjectedAnnotations(Map<String, String> v) { this.injectedAnnotations = v; }
  public FailurePolicy getFailurePolicy() { return failurePolicy; }
  public void setFailurePolicy(FailurePolicy failurePolicy) { this.failurePolicy = failurePolicy; }
  public Integer getTimeoutSeconds() { return timeoutSeconds; }
  public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
}
