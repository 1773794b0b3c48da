package dev.meshoperator.profile;

import dev.meshoperator.api.UpdateStrategyType;
import java.util.List;

/**
 * Where a rendered revision stands in its install.
 *
 * @param strategy        the install's update strategy
 * @param installRevision the revision spec.revision names (default when unset): names that must not
 *                        change with each version (gateways, addons, the last valid spec) use it
 * @param active          true for the revision new pods get; false for an older one still in use
 * @param tags            the labels that alias the active revision (istio.io/rev=tag); the active
 *                        revision renders a webhook configuration per tag, an inactive one answers
 *                        none of them (they are the active one's)
 */
public record RevisionRole(UpdateStrategyType strategy, Revision installRevision, boolean active, List<String> tags) {
  public RevisionRole {
    tags = List.copyOf(tags);
  }

  public static RevisionRole inPlace(Revision revision) {
    return new RevisionRole(UpdateStrategyType.InPlace, revision, true, List.of());
  }

  public RevisionRole inactive() {
    return new RevisionRole(strategy, installRevision, false, tags);
  }
}
