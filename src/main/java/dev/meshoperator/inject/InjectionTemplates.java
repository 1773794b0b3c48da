package dev.meshoperator.inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The templates an injector knows: Istio's built-in names (istio-discovery chart files/) rendered
 * by our own classes, then the user templates of the revision's settings.
 */
public final class InjectionTemplates {
  private InjectionTemplates() {}

  public static final String SIDECAR = "sidecar";
  public static final String GATEWAY = "gateway";
  public static final String GRPC_SIMPLE = "grpc-simple";
  public static final String GRPC_AGENT = "grpc-agent";

  /** Built-in names; user templates may not reuse them. */
  public static final List<String> BUILT_IN = List.of(SIDECAR, GATEWAY, GRPC_SIMPLE, GRPC_AGENT);

  private static final Map<String, InjectionTemplate> BUILT_INS = builtIns();

  private static Map<String, InjectionTemplate> builtIns() {
    Map<String, InjectionTemplate> m = new LinkedHashMap<>();
    m.put(SIDECAR, new SidecarTemplate());
    m.put(GATEWAY, new GatewayTemplate());
    m.put(GRPC_SIMPLE, new GrpcSimpleTemplate());
    m.put(GRPC_AGENT, new GrpcAgentTemplate());
    return m;
  }

  /** Every name the settings can inject with, built-ins first. */
  static List<String> known(InjectionSettings s) {
    List<String> out = new ArrayList<>(BUILT_IN);
    s.templates().keySet().stream().filter(n -> !out.contains(n)).forEach(out::add);
    return out;
  }

  static Optional<InjectionTemplate> find(String name, InjectionSettings s) {
    InjectionTemplate builtIn = BUILT_INS.get(name);
    if (builtIn != null) {
      return Optional.of(builtIn);
    }
    return Optional.ofNullable(s.templates().get(name)).map(fragment -> new UserTemplate(name, fragment));
  }
}
