package dev.meshoperator.api;

/** How a change of spec.version reaches the control plane (the Sail operator's names). */
public enum UpdateStrategyType {
  /** The install's one revision is re-rendered with the new images; one minor at a time. */
  InPlace,
  /** Each version is its own revision, rendered beside the older ones until no pod uses them. */
  RevisionBased
}
