package dev.meshoperator.inject;

import java.util.Objects;

/**
 * Log levels handed to the proxy: Envoy's level, Envoy's per-component levels and pilot-agent's
 * scopes, in the syntax of pilot-agent's flags.
 */
public record ProxyLogLevels(String proxy, String component, String agent) {
  public ProxyLogLevels {
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(agent, "agent");
  }

  public static ProxyLogLevels defaults() {
    return new ProxyLogLevels("warning", "misc:error", "default:info");
  }
}
