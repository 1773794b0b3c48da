package dev.meshoperator.inject;

import java.util.Locale;

/**
 * The rule that decided, as a stable code for metrics labels ("skips by reason") and for tests;
 * the human sentence lives in {@link Decision#reason()}.
 */
public enum DecisionCode {
  // injected
  NAMESPACE_ENABLED(true),
  NAMESPACE_REVISION(true),
  POD_REVISION(true),
  POD_LABEL_TRUE(true),
  ALWAYS_INJECT_SELECTOR(true),
  POD_OPT_IN_OVERRIDES_NEVER_SELECTOR(true),

  // skipped
  HOST_NETWORK(false),
  SYSTEM_NAMESPACE(false),
  CONTROL_PLANE_NAMESPACE(false),
  NAMESPACE_DISABLED(false),
  NOT_SELECTED(false),
  OTHER_REVISION(false),
  POD_LABEL_FALSE(false),
  POD_ANNOTATION_FALSE(false),
  NEVER_INJECT_SELECTOR(false);

  private final boolean inject;

  DecisionCode(boolean inject) {
    this.inject = inject;
  }

  public boolean inject() {
    return inject;
  }

  /** Lower-case form for a Prometheus label value, e.g. {@code host_network}. */
  public String metricValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
