package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** The starting sets of components; a MeshInstall spec overlays its profile. */
public enum Profile {
  DEFAULT, DEMO, MINIMAL, REMOTE, EMPTY;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
