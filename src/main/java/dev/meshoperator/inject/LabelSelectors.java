package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Kubernetes label selector semantics, evaluated locally against a label map. */
public final class LabelSelectors {
  private LabelSelectors() {}

  /**
   * True when every matchLabels entry and every matchExpressions requirement holds. An empty
   * selector matches everything, as in Kubernetes; an unknown operator matches nothing, so a typo
   * in a never/always selector cannot silently select every pod.
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(actual.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!holds(r, actual)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean holds(LabelSelectorRequirement r, Map<String, String> labels) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    boolean present = labels.containsKey(r.getKey());
    String value = labels.get(r.getKey());
    return switch (r.getOperator() == null ? "" : r.getOperator()) {
      case "In" -> present && values.contains(value);
      case "NotIn" -> !present || !values.contains(value);
      case "Exists" -> present;
      case "DoesNotExist" -> !present;
      default -> false;
    };
  }

  /** A short rendering for reasons shown to users, e.g. {@code app=db,tier notin (a,b)}. */
  public static String describe(LabelSelector selector) {
    StringBuilder out = new StringBuilder();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> append(out, k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String op = r.getOperator() == null ? "" : r.getOperator();
        String vals = r.getValues() == null ? "" : String.join(",", r.getValues());
        append(out, switch (op) {
          case "Exists" -> r.getKey();
          case "DoesNotExist" -> "!" + r.getKey();
          default -> r.getKey() + " " + op.toLowerCase(java.util.Locale.ROOT) + " (" + vals + ")";
        });
      }
    }
    return out.isEmpty() ? "<everything>" : out.toString();
  }

  private static void append(StringBuilder out, String part) {
    if (!out.isEmpty()) {
      out.append(',');
    }
    out.append(part);
  }
}
