package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.Revision;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Step 1: one revision, one MeshInstall. Two installs of the same effective revision would write
 * the same objects (and the same istio.io/rev injection label); the older one (creationTimestamp,
 * then name) keeps it, the other touches nothing until the winner is gone.
 */
public final class ConflictCheck {
  /** Oldest first; creationTimestamp is RFC 3339 in UTC, so it sorts as text. */
  static final Comparator<MeshInstall> SENIORITY = Comparator
      .comparing((MeshInstall m) -> m.getMetadata().getCreationTimestamp() == null ? "~" : m.getMetadata().getCreationTimestamp())
      .thenComparing(m -> m.getMetadata().getName());

  private ConflictCheck() {}

  /** The install that owns {@code self}'s revision when that is not {@code self}. */
  public static Optional<MeshInstall> winnerOver(MeshInstall self, Collection<MeshInstall> all) {
    return all.stream()
        .filter(other -> !shared(self, other).isEmpty())
        .min(SENIORITY)
        .filter(winner -> !winner.getMetadata().getName().equals(self.getMetadata().getName()));
  }

  /**
   * The istio.io/rev values both installs answer to (their revisions and revision tags); {@code self}
   * always shares all of its own.
   */
  public static java.util.Set<String> shared(MeshInstall self, MeshInstall other) {
    java.util.Set<String> mine = claims(self);
    if (other.getMetadata().getName().equals(self.getMetadata().getName())) {
      return mine;
    }
    java.util.Set<String> both = new java.util.LinkedHashSet<>(mine);
    both.retainAll(claims(other));
    return both;
  }

  static java.util.Set<String> claims(MeshInstall install) {
    try {
      return dev.meshoperator.profile.Upgrades.claims(install);
    } catch (RuntimeException e) {
      return java.util.Set.of(revisionOf(install));
    }
  }

  /** The istio.io/rev value the install would use: "default" when no revision is set. */
  public static String revisionOf(MeshInstall install) {
    return Revision.of(install.getSpec() == null ? null : install.getSpec().getRevision()).label();
  }
}
