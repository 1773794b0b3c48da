package dev.meshoperator.profile;

/** Where the Istio images come from: {@code <hub>/pilot:<version>} and {@code <hub>/proxyv2:<version>}. */
public record Images(String hub, String version) {
  public String pilot() {
    return hub + "/pilot:" + version;
  }

  public String proxy() {
    return hub + "/proxyv2:" + version;
  }
}
