package dev.meshoperator.inject;

/** How istio-iptables steers traffic into Envoy; NONE means no istio-init at all. */
public enum InterceptionMode {
  REDIRECT,
  TPROXY,
  NONE
}
