package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshInstallStatus {
  /** Condition type: the last reconcile applied the spec (False with the field and reason if not). */
  public static final String RECONCILED = "Reconciled";
  /** Condition type: every installed component is available. */
  public static final String READY = "Ready";

  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Summary: Installing, Ready, Degraded, Error, Conflict or Deleting.")
  private MeshState state;

  @JsonPropertyDescription("Reconciled and Ready conditions, with reasons and messages a person can act on.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Readiness of each installed workload.")
  private List<ComponentStatus> components = new ArrayList<>();

  @JsonPropertyDescription("State of the sidecar injection webhook.")
  private WebhookStatus webhook;

  @JsonPropertyDescription("Namespaces whose pods this control plane injects.")
  private List<String> injectionNamespaces = new ArrayList<>();

  @JsonPropertyDescription("spec.version the control plane last ran with: what an InPlace upgrade is compared against.")
  private String appliedVersion;

  @JsonPropertyDescription("The revision new pods are injected with (istio.io/rev value).")
  private String activeRevision;

  @JsonPropertyDescription("Every revision this install runs: the active one and older ones still in use, with their pods.")
  private List<RevisionStatus> revisions = new ArrayList<>();

  @JsonPropertyDescription("spec.updateStrategy.updateWorkloads: which workloads were restarted onto the active revision, and any failure.")
  private WorkloadUpdateStatus workloadUpdate;

  public WorkloadUpdateStatus getWorkloadUpdate() { return workloadUpdate; }
  public void setWorkloadUpdate(WorkloadUpdateStatus workloadUpdate) { this.workloadUpdate = workloadUpdate; }
  public String getAppliedVersion() { return appliedVersion; }
  public void setAppliedVersion(String appliedVersion) { this.appliedVersion = appliedVersion; }
  public String getActiveRevision() { return activeRevision; }
  public void setActiveRevision(String activeRevision) { this.activeRevision = activeRevision; }
  public List<RevisionStatus> getRevisions() { return revisions; }
  public void setRevisions(List<RevisionStatus> revisions) { this.revisions = revisions; }
  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public MeshState getState() { return state; }
  public void setState(MeshState state) { this.state = state; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public List<ComponentStatus> getComponents() { return components; }
  public void setComponents(List<ComponentStatus> components) { this.components = components; }
  public WebhookStatus getWebhook() { return webhook; }
  public void setWebhook(WebhookStatus webhook) { this.webhook = webhook; }
  public List<String> getInjectionNamespaces() { return injectionNamespaces; }
  public void setInjectionNamespaces(List<String> injectionNamespaces) { this.injectionNamespaces = injectionNamespaces; }
}
