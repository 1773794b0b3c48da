package dev.meshoperator.api;

/** Istio's meshConfig.outboundTrafficPolicy.mode values. */
public enum OutboundTrafficPolicy {
  ALLOW_ANY, REGISTRY_ONLY
}
