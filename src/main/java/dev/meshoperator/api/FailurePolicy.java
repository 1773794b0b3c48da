package dev.meshoperator.api;

/** admissionregistration failurePolicy values, spelled as Kubernetes spells them. */
public enum FailurePolicy {
  Fail, Ignore
}
