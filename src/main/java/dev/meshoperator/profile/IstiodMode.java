package dev.meshoperator.profile;

/** Where the control plane for this install runs. */
public enum IstiodMode {
  /** istiod runs in spec.namespace. */
  LOCAL,
  /** istiod runs elsewhere (spec.remote.address); this cluster only gets what its proxies need. */
  REMOTE,
  /** No control plane at all (empty profile without pilot). */
  NONE
}
