package dev.meshoperator.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The fields one field manager's last server-side apply set on an object, read from its
 * {@code metadata.managedFields} (FieldsV1: {@code f:name} a field, {@code k:{...}} the item of a
 * keyed list, {@code v:value} an item of a set, {@code i:n} a list index, {@code .} the node itself).
 *
 * <p>Why it matters: server-side apply removes a field whose only owner stops sending it. So when
 * a field we own is no longer in what we would apply, applying changes the object (the field
 * goes), even though every field we do send already has our value. Comparing values alone, which
 * must tolerate keys only the live object has (server defaults), cannot see that. Fields owned by
 * other managers (an HPA's replicas, a hand-added label) are not in our set and never count.
 */
public final class OwnedFields {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APPLY = "Apply";

  private final Map<String, Object> fields;

  private OwnedFields(Map<String, Object> fields) {
    this.fields = fields;
  }

  /** The fields {@code manager} owns through apply on {@code object}, if it ever applied it. */
  public static Optional<OwnedFields> of(HasMetadata object, String manager) {
    List<ManagedFieldsEntry> entries = object.getMetadata().getManagedFields();
    if (entries == null) {
      return Optional.empty();
    }
    return entries.stream()
        .filter(e -> manager.equals(e.getManager()) && APPLY.equals(e.getOperation()) && e.getFieldsV1() != null
            && (e.getSubresource() == null || e.getSubresource().isEmpty()))
        .findFirst()
        .map(e -> new OwnedFields(e.getFieldsV1().getAdditionalProperties()));
  }

  /** From a FieldsV1 value as a map (as in {@code managedFields[].fieldsV1}). */
  public static OwnedFields fromFieldsV1(Map<String, Object> fieldsV1) {
    return new OwnedFields(fieldsV1 == null ? Map.of() : fieldsV1);
  }

  /**
   * Paths of owned fields that {@code desired} (the object we would apply, as a map of its JSON)
   * does not contain, e.g. {@code spec.template.spec.nodeSelector.disktype}; empty when applying
   * {@code desired} would remove nothing.
   */
  public List<String> absentFrom(Map<String, Object> desired) {
    List<String> absent = new ArrayList<>();
    walk(fields, desired, "", absent);
    return absent;
  }

  /** Whether the field at {@code path} (field names from the top, e.g. "spec", "replicas") is owned. */
  @SuppressWarnings("unchecked")
  public boolean owns(String... path) {
    Map<String, Object> node = fields;
    for (String name : path) {
      if (!(node.get("f:" + name) instanceof Map<?, ?> next)) {
        return false;
      }
      node = (Map<String, Object>) next;
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static void walk(Map<String, Object> owned, Object desired, String path, List<String> absent) {
    for (var entry : owned.entrySet()) {
      String key = entry.getKey();
      Map<String, Object> below = entry.getValue() instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      if (key.equals(".")) {
        continue; // the node itself: the caller found it
      }
      String kind = key.length() > 2 && key.charAt(1) == ':' ? key.substring(0, 2) : "";
      String rest = key.substring(kind.length());
      Object found = switch (kind) {
        case "f:" -> desired instanceof Map<?, ?> map ? map.get(rest) : null;
        case "k:" -> desired instanceof List<?> list ? keyedItem(list, parse(rest)) : null;
        case "v:" -> desired instanceof List<?> list ? setItem(list, parse(rest)) : null;
        case "i:" -> desired instanceof List<?> list ? indexed(list, rest) : null;
        default -> throw new IllegalArgumentException("not a FieldsV1 key: " + key + " at " + path);
      };
      String here = path + describe(kind, rest);
      if (found == null) {
        absent.add(here.startsWith(".") ? here.substring(1) : here);
      } else if (!below.isEmpty()) {
        walk(below, found, here, absent);
      }
    }
  }

  private static String describe(String kind, String rest) {
    return kind.equals("f:") ? "." + rest : "[" + rest + "]";
  }

  /**
   * The item whose key fields have the values of {@code key}. A key field the desired item leaves
   * out counts as matching: the server fills it with its default before it computes the key (a
   * port without {@code protocol} is owned as {@code k:{"port":80,"protocol":"TCP"}}). The item is
   * returned with those key fields filled in, since we own them too.
   */
  private static Object keyedItem(List<?> items, Object key) {
    if (!(key instanceof Map<?, ?> wanted)) {
      return null;
    }
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> candidate)) {
        continue;
      }
      boolean matches = wanted.entrySet().stream().allMatch(k ->
          !candidate.containsKey(k.getKey()) || sameValue(candidate.get(k.getKey()), k.getValue()));
      boolean anyPresent = wanted.keySet().stream().anyMatch(candidate::containsKey);
      if (matches && anyPresent) {
        Map<Object, Object> filled = new LinkedHashMap<>(candidate);
        wanted.forEach(filled::putIfAbsent);
        return filled;
      }
    }
    return null;
  }

  private static Object setItem(List<?> items, Object value) {
    return items.stream().filter(i -> sameValue(i, value)).findFirst().orElse(null);
  }

  private static Object indexed(List<?> items, String index) {
    int i = Integer.parseInt(index);
    return i < items.size() ? items.get(i) : null;
  }

  /** JSON value equality, with numbers by value (Integer 80 from one side, Long 80 from the other). */
  private static boolean sameValue(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      return x.size() == y.size() && x.entrySet().stream().allMatch(e -> sameValue(e.getValue(), y.get(e.getKey())));
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!sameValue(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  private static Object parse(String json) {
    try {
      return JSON.readValue(json, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON in a FieldsV1 key: " + json, e);
    }
  }
}
