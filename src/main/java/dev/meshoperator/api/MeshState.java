package dev.meshoperator.api;

/** The one-word summary in status.state (and the State printer column). */
public enum MeshState {
  /** Objects applied, not all components available yet. */
  Installing,
  /** Every component available. */
  Ready,
  /** Installed once, now some component is unavailable. */
  Degraded,
  /** The spec is invalid or the API server refused a write; see the Reconciled condition. */
  Error,
  /** Another MeshInstall already owns this revision; nothing was touched. */
  Conflict,
  /** Finalizer is removing what was installed. */
  Deleting
}
