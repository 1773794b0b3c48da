package dev.meshoperator.profile;

public record AddonsConfig(boolean prometheus, boolean grafana) {
  public static final AddonsConfig NONE = new AddonsConfig(false, false);
}
