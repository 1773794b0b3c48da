package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Equality of a desired object and the live one as the API server stores it, tolerant of what the
 * server does to an applied value without anyone changing it: quantities come back canonical
 * ("2000m" as "2", "1024Mi" as "1Gi"); zero values of non-pointer fields ("" env values,
 * {@code readOnly: false}) are dropped; and an atomic list (a webhook's {@code rules}) is owned as
 * a whole, so the defaults the server fills in inside it ({@code scope: "*"}) show up among our
 * fields. A key only the live side has is therefore not a difference here; a value we want that
 * is missing or different is. Without this the no-op check fails forever and every reconcile
 * writes. A field we own that the desired object dropped is a difference all the same, found from
 * managedFields by {@link OwnedFields} (see {@link LiveStateMatcher}). What this leniency still
 * hides: a key dropped from inside a list we own as a whole (an atomic list such as tolerations)
 * while the list keeps its length; the next change to that list carries it.
 */
final class LenientEquality {
  private LenientEquality() {}

  static boolean equal(Object actual, Object desired) {
    if (desired == null) {
      return true;
    }
    if (actual == null) {
      return isZero(desired);
    }
    if (actual instanceof Map<?, ?> a && desired instanceof Map<?, ?> d) {
      Set<Object> keys = new HashSet<>(a.keySet());
      keys.addAll(d.keySet());
      return keys.stream().allMatch(k -> equal(a.get(k), d.get(k)));
    }
    if (actual instanceof List<?> a && desired instanceof List<?> d) {
      if (a.size() != d.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!equal(a.get(i), d.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (actual instanceof Number a && desired instanceof Number d) {
      return new BigDecimal(a.toString()).compareTo(new BigDecimal(d.toString())) == 0;
    }
    if (actual instanceof String a && desired instanceof String d) {
      return a.equals(d) || sameQuantity(a, d);
    }
    return actual.equals(desired);
  }

  /** The values a server drops for omitempty fields, and what is left of an all-zero structure. */
  static boolean isZero(Object value) {
    if (value == null || Boolean.FALSE.equals(value) || "".equals(value)) {
      return true;
    }
    if (value instanceof Number n) {
      return new BigDecimal(n.toString()).signum() == 0;
    }
    if (value instanceof Map<?, ?> m) {
      return m.values().stream().allMatch(LenientEquality::isZero);
    }
    return value instanceof List<?> l && l.isEmpty();
  }

  private static boolean sameQuantity(String a, String d) {
    if (a.isEmpty() || d.isEmpty() || !Character.isDigit(a.charAt(0)) && a.charAt(0) != '.'
        || !Character.isDigit(d.charAt(0)) && d.charAt(0) != '.') {
      return false;
    }
    try {
      return new Quantity(a).getNumericalAmount().compareTo(new Quantity(d).getNumericalAmount()) == 0;
    } catch (RuntimeException notAQuantity) {
      return false;
    }
  }
}
