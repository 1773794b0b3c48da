package dev.meshoperator.profile;

import io.fabric8.kubernetes.api.model.IntOrString;

/** A PodDisruptionBudget to render; exactly one of the two fields is set. */
public record PodDisruptionBudgetConfig(IntOrString minAvailable, IntOrString maxUnavailable) {}
