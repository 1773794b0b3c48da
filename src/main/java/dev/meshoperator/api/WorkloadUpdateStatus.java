package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Progress of spec.updateStrategy.updateWorkloads: moving workloads onto the active revision. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadUpdateStatus {
  @JsonPropertyDescription("The revision workloads are moved onto.")
  private String revision;
  @JsonPropertyDescription("Waiting (the active revision is not ready), InProgress, Succeeded or Failed.")
  private String state;
  @JsonPropertyDescription("What happens now, or which workload failed and why.")
  private String message;
  @JsonPropertyDescription("Workloads restarted onto the active revision (Kind namespace/name), in order.")
  private List<String> restarted = new ArrayList<>();
  @JsonPropertyDescription("Workloads whose pods still run an older revision's proxy.")
  private Integer remaining;

  public String getRevision() { return revision; }
  public void setRevision(String revision) { this.revision = revision; }
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
  public List<String> getRestarted() { return restarted; }
  public void setRestarted(List<String> restarted) { this.restarted = restarted; }
  public Integer getRemaining() { return remaining; }
  public void setRemaining(Integer remaining) { this.remaining = remaining; }
}
