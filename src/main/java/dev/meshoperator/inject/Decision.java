package dev.meshoperator.inject;

import java.util.Objects;

/**
 * Whether a pod gets this injector's sidecar, and why.
 *
 * @param inject whether to inject
 * @param code the deciding rule, for metrics
 * @param reason one sentence naming the rule and the label, annotation or selector that decided;
 *     what {@code meshctl check-inject} prints
 * @param revision the revision the pod asks for, normalised ("default" for the default revision),
 *     or null when nothing selects the pod
 */
public record Decision(boolean inject, DecisionCode code, String reason, String revision) {
  public Decision {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    if (inject != code.inject()) {
      throw new IllegalArgumentException("code " + code + " contradicts inject=" + inject);
    }
  }

  static Decision of(DecisionCode code, String revision, String reason) {
    return new Decision(code.inject(), code, reason, revision);
  }
}
