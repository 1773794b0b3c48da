package dev.meshoperator.profile;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resolved Kubernetes settings of one Deployment-backed component. {@code env} holds only the
 * user's additions (the renderer owns the built-in variables); {@code affinity} may be null.
 */
public record WorkloadConfig(
    int replicas,
    ResourceRequirements resources,
    Autoscaling autoscaling,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    Affinity affinity,
    List<EnvVar> env,
    ServiceConfig service,
    Map<String, String> podAnnotations,
    Map<String, String> podLabels,
    Optional<PodDisruptionBudgetConfig> podDisruptionBudget) {

  public WorkloadConfig {
    resources = Copies.resources(resources);
    nodeSelector = Copies.sorted(nodeSelector);
    tolerations = Copies.tolerations(tolerations);
    affinity = Copies.affinity(affinity);
    env = Copies.env(env);
    podAnnotations = Copies.sorted(podAnnotations);
    podLabels = Copies.sorted(podLabels);
  }
}
