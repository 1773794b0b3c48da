package dev.meshoperator.inject;

/** Whether istio-proxy runs as a native sidecar (an init container with restartPolicy Always). */
public enum NativeSidecarMode {
  /** Native where the API server supports it; the only setting that asks the server. */
  AUTO,
  ON,
  OFF
}
