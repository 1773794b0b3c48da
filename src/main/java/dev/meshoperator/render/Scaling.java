package dev.meshoperator.render;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.PodDisruptionBudgetConfig;
import dev.meshoperator.profile.WorkloadConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The HorizontalPodAutoscaler and PodDisruptionBudget of a Deployment, when its settings ask for them. */
final class Scaling {
  private Scaling() {}

  /** Replicas for the Deployment: null under an autoscaler, so that applying never fights it. */
  static Integer deploymentReplicas(WorkloadConfig workload) {
    return workload.autoscaling().enabled() ? null : workload.replicas();
  }

  static List<HasMetadata> render(EffectiveConfig config, String deployment, Map<String, String> labels,
      Map<String, String> selector, WorkloadConfig workload) {
    List<HasMetadata> objects = new ArrayList<>();
    if (workload.autoscaling().enabled()) {
      objects.add(new HorizontalPodAutoscalerBuilder()
          .withMetadata(Meta.namespaced(config, deployment, labels))
          .withNewSpec()
            .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(deployment).endScaleTargetRef()
            .withMinReplicas(workload.autoscaling().minReplicas())
            .withMaxReplicas(workload.autoscaling().maxReplicas())
            .addNewMetric()
              .withType("Resource")
              .withNewResource()
                .withName("cpu")
                .withNewTarget().withType("Utilization").withAverageUtilization(workload.autoscaling().targetCPUUtilizationPercentage()).endTarget()
              .endResource()
            .endMetric()
          .endSpec()
          .build());
    }
    workload.podDisruptionBudget().ifPresent(pdb -> objects.add(pdb(config, deployment, labels, selector, pdb)));
    return objects;
  }

  private static HasMetadata pdb(EffectiveConfig config, String name, Map<String, String> labels,
      Map<String, String> selector, PodDisruptionBudgetConfig pdb) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(Meta.namespaced(config, name, labels))
        .withNewSpec()
          .withMinAvailable(pdb.minAvailable())
          .withMaxUnavailable(pdb.maxUnavailable())
          .withNewSelector().withMatchLabels(selector).endSelector()
        .endSpec()
        .build();
  }
}
