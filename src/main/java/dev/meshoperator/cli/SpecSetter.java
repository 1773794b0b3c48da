package dev.meshoperator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.profile.GatewayConfig;
import dev.meshoperator.profile.GatewayKind;
import dev.meshoperator.profile.Profiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code --set path=value} on a MeshInstall spec: {@code components.ingressGateways[0].replicas=3},
 * {@code meshConfig.accessLogFile=/dev/stdout}, {@code revision=canary}. Paths are checked against
 * the spec's Java types, so a typo is an error naming the known fields instead of a silently
 * ignored value. Values are read as YAML ({@code 3}, {@code true}, {@code [a, b]},
 * {@code {cpu: 1}}), except where the field is a string or enum: there the text is taken as it is,
 * so {@code version=1.30} stays "1.30" rather than becoming the number 1.3. A dot inside a map
 * key is written {@code \.} ({@code sidecarInjector.injectedAnnotations.example\.com/team=mesh}).
 */
final class SpecSetter {
  private static final ObjectMapper MAPPER = Yaml.mapper();
  private static final YAMLMapper VALUES = new YAMLMapper();

  sealed interface Segment permits Field, Index {}

  record Field(String name) implements Segment {}

  record Index(int index) implements Segment {}

  record Assignment(String text, List<Segment> path, String value) {}

  private SpecSetter() {}

  static MeshInstallSpec apply(MeshInstallSpec spec, List<String> assignments) {
    MeshInstallSpec current = spec == null ? new MeshInstallSpec() : spec;
    for (String text : assignments) {
      Assignment a = parse(text);
      ObjectNode tree = MAPPER.valueToTree(current);
      set(tree, a, current);
      try {
        current = MAPPER.treeToValue(tree, MeshInstallSpec.class);
      } catch (JsonProcessingException | IllegalArgumentException e) {
        String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        throw CliException.usage("--set " + text + ": " + ErrorReporter.oneLine(why),
            "check the value's type against the MeshInstall reference (kubectl explain meshinstall.spec)");
      }
    }
    return current;
  }

  static Assignment parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw CliException.usage("--set " + text + ": expected path=value",
          "for example --set components.pilot.replicas=2");
    }
    String path = text.substring(0, eq);
    if (path.startsWith("spec.")) {
      path = path.substring("spec.".length());
    }
    return new Assignment(text, segments(text, path), text.substring(eq + 1));
  }

  private static List<Segment> segments(String text, String path) {
    List<Segment> segments = new ArrayList<>();
    StringBuilder name = new StringBuilder();
    int i = 0;
    boolean afterIndex = false;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '\\' && i + 1 < path.length()) {
        name.append(path.charAt(i + 1));
        i += 2;
      } else if (c == '.') {
        if (name.length() == 0 && !afterIndex) {
          throw badPath(text, "empty field name");
        }
        flush(name, segments);
        afterIndex = false;
        i++;
      } else if (c == '[') {
        int close = path.indexOf(']', i);
        if (close < 0) {
          throw badPath(text, "missing ]");
        }
        flush(name, segments);
        if (segments.isEmpty()) {
          throw badPath(text, "an index needs a field before it");
        }
        String digits = path.substring(i + 1, close);
        if (!digits.matches("\\d{1,6}")) {
          throw badPath(text, "list index '" + digits + "' is not a number");
        }
        segments.add(new Index(Integer.parseInt(digits)));
        afterIndex = true;
        i = close + 1;
      } else {
        if (afterIndex) {
          throw badPath(text, "expected . or [ after ]");
        }
        name.append(c);
        i++;
      }
    }
    flush(name, segments);
    if (segments.isEmpty() || path.endsWith(".")) {
      throw badPath(text, "empty field name");
    }
    return segments;
  }

  private static void flush(StringBuilder name, List<Segment> segments) {
    if (name.length() > 0) {
      segments.add(new Field(name.toString()));
      name.setLength(0);
    }
  }

  private static CliException badPath(String text, String why) {
    return CliException.usage("--set " + text + ": " + why,
        "paths look like components.ingressGateways[0].replicas or meshConfig.accessLogFile");
  }

  private static void set(ObjectNode root, Assignment a, MeshInstallSpec before) {
    JavaType type = MAPPER.constructType(MeshInstallSpec.class);
    JsonNode node = root;
    String where = "spec";
    List<Segment> path = a.path();
    for (int i = 0; i < path.size(); i++) {
      Segment segment = path.get(i);
      boolean last = i == path.size() - 1;
      JavaType childType = childType(a, type, segment, where);
      String childWhere = segment instanceof Field f ? where + "." + f.name() : where + "[" + ((Index) segment).index() + "]";
      if (last) {
        put(node, segment, value(a.value(), childType));
        return;
      }
      JsonNode child = get(node, segment, a, where);
      if (child == null || child.isNull()) {
        child = childType.isContainerType() && !childType.isMapLikeType()
            ? JsonNodeFactory.instance.arrayNode()
            : JsonNodeFactory.instance.objectNode();
        seedGatewayName(child, path, i, before);
        put(node, segment, child);
      }
      node = child;
      type = childType;
      where = childWhere;
    }
  }

  /** The declared type one step down, or a usage error that says what would have been valid. */
  private static JavaType childType(Assignment a, JavaType type, Segment segment, String where) {
    if (segment instanceof Index) {
      if (!type.isCollectionLikeType() && !type.isArrayType()) {
        throw CliException.usage("--set " + a.text() + ": " + where + " is not a list", "drop the [index]");
      }
      return type.getContentType();
    }
    String name = ((Field) segment).name();
    if (type.isMapLikeType()) {
      return type.getContentType();
    }
    if (type.isCollectionLikeType() || type.isArrayType()) {
      throw CliException.usage("--set " + a.text() + ": " + where + " is a list",
          "give an index: " + where.substring("spec".length()).replaceFirst("^\\.", "") + "[0]." + name);
    }
    BeanDescription bean = MAPPER.getDeserializationConfig().introspect(type);
    List<BeanPropertyDefinition> props = bean.findProperties();
    Optional<BeanPropertyDefinition> prop = props.stream().filter(p -> p.getName().equals(name)).findFirst();
    if (prop.isEmpty() || isLeaf(type)) {
      List<String> known = props.stream().map(BeanPropertyDefinition::getName)
          .filter(n -> !n.equals("additionalProperties")).sorted().toList();
      throw CliException.usage("--set " + a.text() + ": " + where + " has no field '" + name + "'",
          known.isEmpty() || isLeaf(type) ? "this field takes a value, not sub-fields" : "fields of " + where + ": " + String.join(", ", known));
    }
    return prop.get().getPrimaryType();
  }

  private static boolean isLeaf(JavaType type) {
    Class<?> raw = type.getRawClass();
    return raw.isPrimitive() || raw.isEnum() || Number.class.isAssignableFrom(raw)
        || raw == String.class || raw == Boolean.class || raw == io.fabric8.kubernetes.api.model.Quantity.class
        || raw == io.fabric8.kubernetes.api.model.IntOrString.class;
  }

  private static JsonNode get(JsonNode node, Segment segment, Assignment a, String where) {
    if (segment instanceof Field f) {
      return node.get(f.name());
    }
    int index = ((Index) segment).index();
    ArrayNode array = (ArrayNode) node;
    if (index > array.size()) {
      throw CliException.usage("--set " + a.text() + ": index " + index + " is past the end of " + where
          + " (it has " + array.size() + " entries)", "use [" + array.size() + "] to add an entry");
    }
    return index < array.size() ? array.get(index) : null;
  }

  private static void put(JsonNode node, Segment segment, JsonNode value) {
    if (segment instanceof Field f) {
      ((ObjectNode) node).set(f.name(), value);
      return;
    }
    ArrayNode array = (ArrayNode) node;
    int index = ((Index) segment).index();
    if (index < array.size()) {
      array.set(index, value);
    } else {
      // Only [size] reaches here for a leaf list element; get() rejected anything further.
      array.add(value);
    }
  }

  static JsonNode value(String raw, JavaType type) {
    boolean quoted = raw.length() >= 2
        && ((raw.startsWith("\"") && raw.endsWith("\"")) || (raw.startsWith("'") && raw.endsWith("'")));
    Class<?> target = type.getRawClass();
    if ((target == String.class || target.isEnum()) && !quoted) {
      return TextNode.valueOf(raw);
    }
    if (raw.isEmpty()) {
      return NullNode.getInstance();
    }
    try {
      JsonNode parsed = VALUES.readTree(raw);
      return parsed == null || parsed.isMissingNode() ? NullNode.getInstance() : parsed;
    } catch (IOException e) {
      return TextNode.valueOf(raw);
    }
  }

  /**
   * Like istioctl, {@code components.ingressGateways[0]} on a spec that lists no gateways means the
   * profile's first (enabled) ingress gateway. Gateways overlay the profile by name, so a new entry gets
   * that name; otherwise {@code replicas=3} would land on a nameless gateway that matches nothing.
   */
  private static void seedGatewayName(JsonNode created, List<Segment> path, int i, MeshInstallSpec before) {
    if (i < 2 || !(path.get(i) instanceof Index index) || !created.isObject()
        || !(path.get(i - 2) instanceof Field components) || !components.name().equals("components")
        || !(path.get(i - 1) instanceof Field list)) {
      return;
    }
    GatewayKind kind = switch (list.name()) {
      case "ingressGateways" -> GatewayKind.INGRESS;
      case "egressGateways" -> GatewayKind.EGRESS;
      default -> null;
    };
    if (kind == null || i != 2) {
      return;
    }
    List<GatewayConfig> gateways = Profiles.resolve(Profiles.UNNAMED, before).gateways().stream()
        .filter(g -> g.kind() == kind).toList();
    if (index.index() < gateways.size()) {
      ((ObjectNode) created).put("name", gateways.get(index.index()).name());
    }
  }
}
