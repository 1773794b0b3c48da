package dev.meshoperator.cli;

import dev.meshoperator.profile.IstioVersions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code meshctl version} reports. meshctl's own version comes from the jar manifest the
 * build writes (Implementation-Version); run from classes, as in tests, there is none, and it says
 * so rather than invent one.
 */
public record VersionInfo(String meshctl, String defaultIstio, String java) {
  static final String UNKNOWN = "unknown (not running from meshctl.jar)";

  public static VersionInfo current() {
    String version = Meshctl.class.getPackage().getImplementationVersion();
    return new VersionInfo(
        version == null ? UNKNOWN : version,
        IstioVersions.defaultVersion(),
        System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
  }

  List<String> lines() {
    return List.of(
        "meshctl version: " + meshctl,
        "default Istio version: " + defaultIstio,
        "java: " + java);
  }

  Map<String, String> asMap() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("meshctl", meshctl);
    map.put("defaultIstio", defaultIstio);
    map.put("java", java);
    return map;
  }

  /** For {@code meshctl --version}. */
  public static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return current().lines().toArray(String[]::new);
    }
  }
}
