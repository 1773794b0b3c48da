package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.wiring.ServerSideApply;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What install (and demo) write: server-side apply as field manager {@code meshctl}, forcing
 * conflicts the way {@code kubectl apply --server-side --force-conflicts} does ({@link ServerSideApply}), since the user
 * asked meshctl to make these objects what it carries.
 */
final class ClusterApplier {
  static final String FIELD_MANAGER = "meshctl";

  private final ClusterConnection cluster;
  private final Progress progress;

  ClusterApplier(ClusterConnection cluster, Progress progress) {
    this.cluster = cluster;
    this.progress = progress;
  }

  /** The MeshInstall CRD, then waits until the API server serves it. */
  void applyCrd() {
    CustomResourceDefinition crd = BundledManifests.crd();
    apply(crd);
    boolean established = cluster.call("wait for the MeshInstall CRD", () -> {
      try {
        cluster.client().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
            .waitUntilCondition(ClusterApplier::established, 60, TimeUnit.SECONDS);
        return true;
      } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
        return false;
      }
    });
    if (!established) {
      throw CliException.failure("the MeshInstall CRD is not Established after 60s",
          "see kubectl describe crd " + crd.getMetadata().getName());
    }
  }

  /** deploy/ without the CRD: namespace, RBAC, Deployment, Service, PDB. */
  void applyOperator(String image) {
    List<HasMetadata> objects = BundledManifests.operator(image);
    objects.forEach(this::apply);
  }

  MeshInstall applyMeshInstall(MeshInstall install) {
    // What the user gave, nothing the server owns: an apply must not carry status or versions.
    install.setStatus(null);
    install.getMetadata().setResourceVersion(null);
    return cluster.call("apply MeshInstall " + install.getMetadata().getName(), () ->
        ServerSideApply.forced(cluster.client(), install, FIELD_MANAGER));
  }

  void apply(HasMetadata object) {
    cluster.run("apply " + Refs.qualified(object), () ->
        ServerSideApply.forced(cluster.client(), object, FIELD_MANAGER));
    progress.line(Refs.kubectl(object) + " serverside-applied");
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
