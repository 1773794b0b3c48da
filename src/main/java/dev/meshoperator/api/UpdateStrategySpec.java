package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

/** spec.updateStrategy: what a change of spec.version does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStrategySpec {
  public static final long DEFAULT_GRACE_SECONDS = 30;

  @JsonPropertyDescription("InPlace (default): the revision's control plane is replaced, one minor version at a time. "
      + "RevisionBased: each version gets its own revision <revision-or-name>-<version with dashes> beside the older ones; "
      + "the default tag and spec.revisionTags move to it, and an older revision is removed once no pod uses it.")
  @Default("InPlace")
  private UpdateStrategyType type = UpdateStrategyType.InPlace;

  @JsonPropertyDescription("RevisionBased: seconds an inactive revision stays after its last pod went away (default 30).")
  @Min(0)
  private Long inactiveRevisionDeletionGracePeriodSeconds;

  @JsonPropertyDescription("RevisionBased: restart the Deployments, StatefulSets and DaemonSets whose pods run an older "
      + "revision's proxy, a few at a time, waiting for each rollout; stops at the first that fails.")
  private Boolean updateWorkloads;

  public UpdateStrategyType getType() { return type; }
  public void setType(UpdateStrategyType type) { this.type = type; }
  public Long getInactiveRevisionDeletionGracePeriodSeconds() { return inactiveRevisionDeletionGracePeriodSeconds; }
  public void setInactiveRevisionDeletionGracePeriodSeconds(Long seconds) { this.inactiveRevisionDeletionGracePeriodSeconds = seconds; }
  public Boolean getUpdateWorkloads() { return updateWorkloads; }
  public void setUpdateWorkloads(Boolean updateWorkloads) { this.updateWorkloads = updateWorkloads; }
}
