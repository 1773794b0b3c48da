package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.Problem;
import dev.meshoperator.profile.Profiles;
import java.util.Collection;
import java.util.Optional;

/**
 * Istio CNI is one node agent per cluster, so its objects carry Istio's fixed names
 * (istio-cni-node, the istio-cni ClusterRoles): two MeshInstalls enabling it would take those
 * objects from each other on every reconcile, or run two agents on every node. The oldest
 * MeshInstall that enables CNI (the seniority of {@link ConflictCheck}) owns it; another one that
 * enables it is refused with a problem naming the owner, and touches nothing until the owner
 * turns CNI off or is gone.
 */
public final class CniOwnership {
  private CniOwnership() {}

  /** A problem for {@code self} when an older MeshInstall already enables Istio CNI. */
  public static Optional<Problem> conflict(MeshInstall self, Collection<MeshInstall> all) {
    if (!enablesCni(self)) {
      return Optional.empty();
    }
    return all.stream()
        .filter(CniOwnership::enablesCni)
        .min(ConflictCheck.SENIORITY)
        .filter(owner -> !owner.getMetadata().getName().equals(self.getMetadata().getName()))
        .map(owner -> new Problem("spec.components.cni.enabled", "Istio CNI is installed by MeshInstall '"
            + owner.getMetadata().getName() + "' (one node agent per cluster, shared by every revision); "
            + "disable it here or there"));
  }

  static boolean enablesCni(MeshInstall install) {
    return Profiles.resolve(install).cni().enabled();
  }
}
