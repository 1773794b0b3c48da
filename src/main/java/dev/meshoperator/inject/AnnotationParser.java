package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and checks every per-pod annotation the injector honours. A bad value must deny the pod
 * with a message naming the annotation and the value, rather than inject a sidecar that crashes;
 * and every bad value is reported at once, so the user fixes the pod in one round trip.
 */
public final class AnnotationParser {
  private AnnotationParser() {}

  /** Options (settings where the pod is silent) and every error found; options are unusable when errors exist. */
  public record Result(SidecarOptions options, List<String> errors) {
    public Result {
      errors = List.copyOf(errors);
    }

    public boolean ok() {
      return errors.isEmpty();
    }
  }

  private static final Pattern INTERFACE = Pattern.compile("^[a-zA-Z][a-zA-Z0-9_.-]*$");
  private static final Pattern IPV4 =
      Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  private static final Pattern IPV6_CHARS = Pattern.compile("^[0-9a-fA-F:.]+$");
  private static final Pattern DIGITS = Pattern.compile("^\\d+$");
  private static final Set<String> ENVOY_LEVELS =
      Set.of("trace", "debug", "info", "warning", "warn", "error", "critical", "off");
  private static final Set<String> AGENT_LEVELS = Set.of("debug", "info", "warn", "error", "fatal", "none");
  // strconv.ParseBool's spellings, which is what Istio accepts for boolean annotations
  private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
  private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern IMAGE_TYPE = Pattern.compile("^[a-z0-9][a-z0-9._-]*$");
  static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final List<String> RESOURCE_ANNOTATIONS =
      List.of(PROXY_CPU, PROXY_MEMORY, PROXY_CPU_LIMIT, PROXY_MEMORY_LIMIT);

  public static Result parse(Map<String, String> annotations, InjectionSettings s) {
    Reader r = new Reader(annotations == null ? Map.of() : annotations);
    ObjectNode proxyConfig = withMeshDefaults(s, r.proxyConfig());
    Traffic traffic = traffic(r, proxyConfig);
    Readiness readiness = readiness(r, proxyConfig);
    ResourceRequirements resources = r.resources(s);
    String image = proxyImage(r, s, proxyConfig);
    ProxyLogLevels levels = logLevels(r, s);
    Switches switches = switches(r, s, proxyConfig);
    Map<String, String> metadata = proxyMetadata(proxyConfig);
    List<String> templates = templates(r, s);
    String bootstrap = r.value(BOOTSTRAP_OVERRIDE, v -> DNS_SUBDOMAIN.matcher(v).matches() ? v : null,
        "is not a ConfigMap name").orElse("");
    List<Volume> userVolumes = UserVolumes.volumes(r);
    List<VolumeMount> userMounts = UserVolumes.mounts(r);
    if (readiness.statusPort() != DEFAULT_STATUS_PORT) {
      // pilot-agent learns its status port only from its ProxyConfig
      proxyConfig.put("statusPort", readiness.statusPort());
    }

    SidecarOptions options = new SidecarOptions(traffic.mode(), traffic.includeIps(), traffic.excludeIps(),
        traffic.includeInbound(), traffic.excludeInbound(), traffic.includeOutbound(), traffic.excludeOutbound(),
        traffic.reroute(), traffic.excludeInterfaces(), readiness.statusPort(), readiness.initialDelay(),
        readiness.period(), readiness.failures(), resources, image, levels, switches.nativeSidecar(),
        switches.rewrite(), switches.holdApp(), switches.mergeMetrics(), proxyConfig, metadata, templates,
        r.hasAny(RESOURCE_ANNOTATIONS), bootstrap, userVolumes, userMounts);
    return new Result(options, r.errors);
  }

  /** The traffic-capture half: interception mode and what istio-iptables includes or excludes. */
  private record Traffic(InterceptionMode mode, String includeIps, String excludeIps, String includeInbound,
      String excludeInbound, String includeOutbound, String excludeOutbound, String reroute,
      String excludeInterfaces) {}

  private static Traffic traffic(Reader r, ObjectNode proxyConfig) {
    JsonNode pcMode = proxyConfig.get("interceptionMode");
    InterceptionMode mode = r.value(INTERCEPTION_MODE, AnnotationParser::interceptionMode,
        "is not a valid interception mode (REDIRECT, TPROXY or NONE)")
        .orElse(pcMode != null && pcMode.isTextual()
            ? InterceptionMode.valueOf(pcMode.asText()) : InterceptionMode.REDIRECT);
    String includeIps = r.value(INCLUDE_OUTBOUND_IP_RANGES, v -> cidrs(v, true),
        "is not \"*\" or a comma-separated list of CIDRs").orElse("*");
    String excludeIps = r.value(EXCLUDE_OUTBOUND_IP_RANGES, v -> cidrs(v, false),
        "is not a comma-separated list of CIDRs").orElse("");
    String includeInbound = r.value(INCLUDE_INBOUND_PORTS, v -> ports(v, true),
        "is not \"*\" or a comma-separated list of ports (1-65535)").orElse("*");
    String excludeInbound = r.value(EXCLUDE_INBOUND_PORTS, v -> ports(v, false),
        "is not a comma-separated list of ports (1-65535)").orElse("");
    String includeOutbound = r.value(INCLUDE_OUTBOUND_PORTS, v -> ports(v, false),
        "is not a comma-separated list of ports (1-65535)").orElse("");
    String excludeOutbound = r.value(EXCLUDE_OUTBOUND_PORTS, v -> ports(v, false),
        "is not a comma-separated list of ports (1-65535)").orElse("");
    String interfaceRule = "is not a comma-separated list of interface names"
        + " (at most 15 characters, a letter then letters, digits, '_', '.' or '-')";
    // the newer name wins when both are present, as in Istio
    String reroute = r.value(REROUTE_VIRTUAL_INTERFACES, AnnotationParser::interfaces, interfaceRule)
        .orElseGet(() -> r.value(KUBEVIRT_INTERFACES, AnnotationParser::interfaces, interfaceRule).orElse(""));
    String excludeInterfaces = r.value(EXCLUDE_INTERFACES, AnnotationParser::interfaces, interfaceRule).orElse("");
    return new Traffic(mode, includeIps, excludeIps, includeInbound, excludeInbound, includeOutbound,
        excludeOutbound, reroute, excludeInterfaces);
  }

  /** The agent's status port and the readiness probe Envoy gets on it. */
  private record Readiness(int statusPort, int initialDelay, int period, int failures) {}

  private static Readiness readiness(Reader r, ObjectNode proxyConfig) {
    JsonNode pcStatus = proxyConfig.get("statusPort");
    int statusPort = r.value(STATUS_PORT, v -> intInRange(v, 0, 65535),
        "is not a valid port (0-65535)")
        .orElse(pcStatus != null && pcStatus.canConvertToInt() ? pcStatus.asInt() : DEFAULT_STATUS_PORT);
    // Istio says uint32; Kubernetes probe fields are int32 and period/threshold must be at least 1,
    // so anything outside that would only fail later, less clearly, at the API server
    int initialDelay = r.value(READINESS_INITIAL_DELAY, v -> intInRange(v, 0, Integer.MAX_VALUE),
        "is not a non-negative 32-bit integer").orElse(0);
    int period = r.value(READINESS_PERIOD, v -> intInRange(v, 1, Integer.MAX_VALUE),
        "is not a positive 32-bit integer").orElse(15);
    int failures = r.value(READINESS_FAILURE_THRESHOLD, v -> intInRange(v, 1, Integer.MAX_VALUE),
        "is not a positive 32-bit integer").orElse(4);
    return new Readiness(statusPort, initialDelay, period, failures);
  }

  /**
   * sidecar.istio.io/proxyImage as given; otherwise the revision's image with the image type of
   * sidecar.istio.io/proxyImageType or ProxyConfig image.imageType (pkg/kube/inject/inject.go
   * ProxyImage: the annotation wins over ProxyConfig).
   */
  private static String proxyImage(Reader r, InjectionSettings s, ObjectNode proxyConfig) {
    Optional<String> image = r.value(PROXY_IMAGE,
        v -> v.isBlank() || v.chars().anyMatch(Character::isWhitespace) ? null : v,
        "is not a valid image reference");
    JsonNode pcType = proxyConfig.path("image").path("imageType");
    Optional<String> type = r.value(PROXY_IMAGE_TYPE, v -> IMAGE_TYPE.matcher(v).matches() ? v : null,
        "is not an image type (such as default, distroless or debug)")
        .or(() -> pcType.isTextual() && IMAGE_TYPE.matcher(pcType.asText()).matches()
            ? Optional.of(pcType.asText()) : Optional.empty());
    return image.orElseGet(() -> type.map(t -> ProxyImages.withImageType(s.proxyImage(), t)).orElse(s.proxyImage()));
  }

  private static ProxyLogLevels logLevels(Reader r, InjectionSettings s) {
    return new ProxyLogLevels(
        r.value(LOG_LEVEL, v -> ENVOY_LEVELS.contains(v) ? v : null,
            "is not an Envoy log level (trace, debug, info, warning, error, critical, off)")
            .orElse(s.logLevels().proxy()),
        r.value(COMPONENT_LOG_LEVEL, v -> scopedLevels(v, ENVOY_LEVELS, false),
            "is not a comma-separated list of component:level with Envoy log levels")
            .orElse(s.logLevels().component()),
        r.value(AGENT_LOG_LEVEL, v -> scopedLevels(v, AGENT_LEVELS, true),
            "is not a level or a comma-separated list of scope:level (levels debug, info, warn, error, fatal, none)")
            .orElse(s.logLevels().agent()));
  }

  private record Switches(boolean nativeSidecar, boolean rewrite, boolean mergeMetrics, boolean holdApp) {}

  private static Switches switches(Reader r, InjectionSettings s, ObjectNode proxyConfig) {
    boolean nativeSidecar = r.bool(NATIVE_SIDECAR).orElse(s.nativeSidecarsByDefault());
    boolean rewrite = r.bool(REWRITE_PROBES).orElse(s.rewriteAppHTTPProbers());
    boolean mergeMetrics = r.bool(MERGE_METRICS).orElse(true);
    JsonNode hold = proxyConfig.get("holdApplicationUntilProxyStarts");
    boolean holdApp = hold != null && hold.isBoolean() ? hold.asBoolean() : s.holdApplicationUntilProxyStarts();
    return new Switches(nativeSidecar, rewrite, mergeMetrics, holdApp);
  }

  /**
   * The pod's ProxyConfig laid over the mesh's (Istio's EffectiveProxyConfig): a field the pod sets
   * replaces the mesh's, and proxyMetadata is merged key by key, the pod's value winning.
   */
  static ObjectNode withMeshDefaults(InjectionSettings s, ObjectNode pod) {
    if (!s.hasMeshProxyConfig()) {
      return pod;
    }
    ObjectNode merged = s.meshProxyConfig();
    pod.fields().forEachRemaining(e -> {
      JsonNode mine = merged.get(e.getKey());
      if ("proxyMetadata".equals(e.getKey()) && mine != null && mine.isObject() && e.getValue().isObject()) {
        ((ObjectNode) mine).setAll((ObjectNode) e.getValue());
      } else {
        merged.set(e.getKey(), e.getValue());
      }
    });
    return merged;
  }

  private static Map<String, String> proxyMetadata(ObjectNode proxyConfig) {
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode md = proxyConfig.get("proxyMetadata");
    if (md != null && md.isObject()) {
      md.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
    }
    return metadata;
  }

  /**
   * inject.istio.io/templates: a comma-separated list applied in order (pkg/kube/inject/inject.go
   * selectTemplates); an unknown name is refused naming it, as Istio's "requested template not found".
   */
  private static List<String> templates(Reader r, InjectionSettings s) {
    List<String> known = InjectionTemplates.known(s);
    return r.value(INJECT_TEMPLATES, v -> {
      List<String> names = items(v);
      return names.isEmpty() ? null : names;
    }, "names no template").map(names -> {
      for (String name : names) {
        if (!known.contains(name)) {
          r.errors.add(error(INJECT_TEMPLATES, r.raw(INJECT_TEMPLATES), "names template " + name
              + ", which this injector does not have (known: " + String.join(", ", known) + ")"));
        }
      }
      return names;
    }).orElse(List.of(InjectionTemplates.SIDECAR));
  }

  /** The uniform error text: {@code annotation <name>: "<value>" <problem>}. */
  static String error(String annotation, String value, String problem) {
    return "annotation " + annotation + ": " + quote(value) + " " + problem;
  }

  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  /** Collects errors; a parser returning null (or throwing) means "invalid". */
  static final class Reader {
    private final Map<String, String> annotations;
    private final List<String> errors = new ArrayList<>();

    Reader(Map<String, String> annotations) {
      this.annotations = annotations;
    }

    <T> Optional<T> value(String name, Function<String, T> parser, String problem) {
      String raw = annotations.get(name);
      if (raw == null) {
        return Optional.empty();
      }
      T parsed;
      try {
        parsed = parser.apply(raw.trim());
      } catch (RuntimeException e) {
        parsed = null;
      }
      if (parsed == null) {
        errors.add(error(name, raw, problem));
      }
      return Optional.ofNullable(parsed);
    }

    String raw(String name) {
      return annotations.get(name);
    }

    boolean hasAny(List<String> names) {
      return names.stream().anyMatch(annotations::containsKey);
    }

    void refuse(String name, String problem) {
      errors.add(AnnotationParser.error(name, annotations.get(name), problem));
    }

    Optional<Boolean> bool(String name) {
      return value(name, v -> TRUE.contains(v) ? Boolean.TRUE : FALSE.contains(v) ? Boolean.FALSE : null,
          "is not a boolean (true or false)");
    }

    Optional<Quantity> quantity(String name) {
      return value(name, AnnotationParser::quantity, "is not a valid quantity");
    }

    /**
     * Any resource annotation replaces the settings' resources as a whole, as in Istio's
     * template: a pod that says proxyCPU only gets a CPU request and nothing else.
     */
    ResourceRequirements resources(InjectionSettings s) {
      Optional<Quantity> cpu = quantity(PROXY_CPU);
      Optional<Quantity> memory = quantity(PROXY_MEMORY);
      Optional<Quantity> cpuLimit = quantity(PROXY_CPU_LIMIT);
      Optional<Quantity> memoryLimit = quantity(PROXY_MEMORY_LIMIT);
      if (!hasAny(RESOURCE_ANNOTATIONS)) {
        return s.proxyResources();
      }
      checkNotAbove(PROXY_CPU, cpu, PROXY_CPU_LIMIT, cpuLimit);
      checkNotAbove(PROXY_MEMORY, memory, PROXY_MEMORY_LIMIT, memoryLimit);
      ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
      cpu.ifPresent(q -> b.addToRequests("cpu", q));
      memory.ifPresent(q -> b.addToRequests("memory", q));
      cpuLimit.ifPresent(q -> b.addToLimits("cpu", q));
      memoryLimit.ifPresent(q -> b.addToLimits("memory", q));
      return b.build();
    }

    // The API server would refuse the pod anyway; saying which annotations clash is kinder.
    private void checkNotAbove(String reqName, Optional<Quantity> req, String limName, Optional<Quantity> lim) {
      if (req.isPresent() && lim.isPresent()
          && req.get().getNumericalAmount().compareTo(lim.get().getNumericalAmount()) > 0) {
        errors.add(error(reqName, annotations.get(reqName), "is more than " + limName + " "
            + quote(annotations.get(limName))));
      }
    }

    /** proxy.istio.io/config: YAML or JSON for a ProxyConfig; only the fields we read are type-checked. */
    ObjectNode proxyConfig() {
      String raw = annotations.get(PROXY_CONFIG);
      if (raw == null || raw.isBlank()) {
        return JsonNodeFactory.instance.objectNode();
      }
      JsonNode node;
      try {
        node = YAML.readTree(raw);
      } catch (JsonProcessingException e) {
        errors.add(error(PROXY_CONFIG, raw, "is not valid YAML or JSON: "
            + e.getOriginalMessage()));
        return JsonNodeFactory.instance.objectNode();
      }
      if (node == null || node.isMissingNode() || node.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      if (!node.isObject()) {
        errors.add(error(PROXY_CONFIG, raw, "is not a ProxyConfig mapping"));
        return JsonNodeFactory.instance.objectNode();
      }
      ObjectNode config = (ObjectNode) node;
      List<String> problems = new ArrayList<>();
      expect(config, "holdApplicationUntilProxyStarts", JsonNode::isBoolean, "a boolean", problems);
      expect(config, "concurrency", n -> n.isInt() && n.asInt() >= 0, "a non-negative integer", problems);
      expect(config, "statusPort", n -> n.isInt() && n.asInt() >= 0 && n.asInt() <= 65535, "a port", problems);
      expect(config, "interceptionMode", n -> n.isTextual() && interceptionMode(n.asText()) != null,
          "REDIRECT, TPROXY or NONE", problems);
      expect(config, "proxyMetadata", n -> n.isObject() && iterate(n).allMatch(JsonNode::isValueNode),
          "a map of strings", problems);
      for (String p : problems) {
        errors.add(error(PROXY_CONFIG, raw, "is not a valid ProxyConfig: " + p));
      }
      return problems.isEmpty() ? config : JsonNodeFactory.instance.objectNode();
    }
  }

  private static java.util.stream.Stream<JsonNode> iterate(JsonNode n) {
    List<JsonNode> out = new ArrayList<>();
    n.elements().forEachRemaining(out::add);
    return out.stream();
  }

  private static void expect(ObjectNode config, String field, java.util.function.Predicate<JsonNode> ok,
      String what, List<String> problems) {
    JsonNode n = config.get(field);
    if (n != null && !ok.test(n)) {
      problems.add(field + " must be " + what);
    }
  }

  static InterceptionMode interceptionMode(String v) {
    return switch (v) {
      case "REDIRECT" -> InterceptionMode.REDIRECT;
      case "TPROXY" -> InterceptionMode.TPROXY;
      case "NONE" -> InterceptionMode.NONE;
      default -> null;
    };
  }

  /** fabric8's parser plus Kubernetes' rule that resource quantities are not negative. */
  static Quantity quantity(String v) {
    Quantity q = Quantity.parse(v);
    BigDecimal amount = q.getNumericalAmount();
    return amount.signum() < 0 ? null : q;
  }

  static List<String> items(String v) {
    return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  static String cidrs(String v, boolean starAllowed) {
    if (starAllowed && v.equals("*")) {
      return v;
    }
    List<String> items = items(v);
    return items.stream().allMatch(AnnotationParser::isCidr) ? String.join(",", items) : null;
  }

  static boolean isCidr(String v) {
    int slash = v.indexOf('/');
    if (slash < 0 || !DIGITS.matcher(v.substring(slash + 1)).matches()
        || v.substring(slash + 1).length() > 3) {
      return false;
    }
    String ip = v.substring(0, slash);
    int bits = Integer.parseInt(v.substring(slash + 1));
    if (IPV4.matcher(ip).matches()) {
      return bits <= 32;
    }
    // a string with ':' is only ever parsed as an IPv6 literal, never looked up in DNS
    if (ip.contains(":") && IPV6_CHARS.matcher(ip).matches()) {
      try {
        InetAddress.getByName(ip);
        return bits <= 128;
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  static String ports(String v, boolean starAllowed) {
    if (starAllowed && v.equals("*")) {
      return v;
    }
    List<String> items = items(v);
    return items.stream().allMatch(p -> intInRange(p, 1, 65535) != null) ? String.join(",", items) : null;
  }

  static String interfaces(String v) {
    List<String> items = items(v);
    return items.stream().allMatch(i -> i.length() <= 15 && INTERFACE.matcher(i).matches())
        ? String.join(",", items) : null;
  }

  static Integer intInRange(String v, long min, long max) {
    if (!DIGITS.matcher(v).matches() || v.length() > 10) {
      return null;
    }
    long n = Long.parseLong(v);
    return n >= min && n <= max ? (int) n : null;
  }

  /** "level" (agent only) or "scope:level,scope:level". */
  static String scopedLevels(String v, Set<String> levels, boolean bareLevelAllowed) {
    List<String> items = items(v);
    if (items.isEmpty()) {
      return null;
    }
    for (String item : items) {
      int colon = item.indexOf(':');
      if (colon < 0) {
        if (!bareLevelAllowed || !levels.contains(item.toLowerCase(Locale.ROOT))) {
          return null;
        }
      } else if (colon == 0 || !levels.contains(item.substring(colon + 1).toLowerCase(Locale.ROOT))) {
        return null;
      }
    }
    return String.join(",", items);
  }
}
