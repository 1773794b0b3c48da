package dev.meshoperator.profile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for a container's requests and limits, as the API server checks a pod
 * (pkg/apis/core/validation: validateContainerResourceName, validateResourceRequirements). A
 * MeshInstall's resources end up in a container: istiod's, a gateway's, the CNI agent's, or the
 * istio-init and istio-proxy containers of every injected pod. Broken there, they make the API
 * server refuse a Deployment on apply or, through the injector, every injected pod.
 *
 * <p>Names and quantities are checked as the user wrote them; how requests and limits relate is
 * checked on what is rendered, the user's values laid over the profile's, with the API server's
 * defaulting of a missing request to its limit.
 */
final class KubeResources {
  /**
   * A non-negative quantity (apimachinery's resource.Quantity syntax): a decimal number with a
   * binary (Ki..Ei) or decimal (n, u, m, k..E) suffix or an exponent. The CRD cannot check it
   * (requests and limits are int-or-string maps).
   */
  private static final Pattern QUANTITY =
      Pattern.compile("^\\+?([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$");
  private static final Set<String> CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");
  private static final String HUGE_PAGES = "hugepages-";
  /** The API server keeps quantities to nanounits, rounding finer ones up. */
  private static final int NANO = 9;
  private static final String QUANTITY_EXAMPLES = " is not a quantity (e.g. 100m, 0.5, 128Mi, 1G)";

  private KubeResources() {}

  /**
   * What is wrong with {@code user} (a MeshInstall's resources at {@code field}) and with
   * {@code rendered}, the requirements built from it; {@code rendered} may be null when nothing is
   * rendered from it (a disabled gateway).
   */
  static List<Problem> problems(String field, ResourceRequirements user, ResourceRequirements rendered) {
    List<Problem> out = new ArrayList<>();
    if (user == null) {
      return out;
    }
    boolean named = names(field + ".requests", user.getRequests(), out) & names(field + ".limits", user.getLimits(), out);
    if (user.getClaims() != null && !user.getClaims().isEmpty()) {
      out.add(new Problem(field + ".claims", "resource claims cannot be set here: the pods they would go into declare no"
          + " resourceClaims to refer to"));
    }
    if (named && rendered != null) {
      relations(field, user, rendered, out);
    }
    return out;
  }

  /** Checks each name and quantity; true when all were well-formed, so that they can be compared. */
  private static boolean names(String field, Map<String, Quantity> values, List<Problem> out) {
    if (values == null) {
      return true;
    }
    int before = out.size();
    new TreeMap<>(values).forEach((name, quantity) -> {
      Optional<String> nameProblem = nameProblem(name);
      if (nameProblem.isPresent()) {
        out.add(new Problem(field, "key '" + name + "' " + nameProblem.get()));
        return;
      }
      String text = quantity == null ? null : quantity.toString();
      Optional<BigDecimal> amount = amount(text);
      if (amount.isEmpty()) {
        out.add(new Problem(field + "." + name, "'" + text + "'" + QUANTITY_EXAMPLES));
      } else if (isExtended(name) && amount.get().stripTrailingZeros().scale() > 0) {
        out.add(new Problem(field + "." + name, "'" + text + "' must be a whole number: " + name + " is an extended resource"));
      } else if (name.startsWith(HUGE_PAGES) && !divides(pageSize(name), amount.get())) {
        out.add(new Problem(field + "." + name, "'" + text + "' is not a whole number of " + name.substring(HUGE_PAGES.length())
            + " pages"));
      }
    });
    return out.size() == before;
  }

  private static void relations(String field, ResourceRequirements user, ResourceRequirements rendered, List<Problem> out) {
    Map<String, Quantity> limits = rendered.getLimits() == null ? Map.of() : rendered.getLimits();
    Map<String, Quantity> requests = new TreeMap<>(limits);
    if (rendered.getRequests() != null) {
      requests.putAll(rendered.getRequests());
    }
    Map<String, Quantity> userRequests = user.getRequests() == null ? Map.of() : user.getRequests();
    Map<String, Quantity> userLimits = user.getLimits() == null ? Map.of() : user.getLimits();
    requests.forEach((name, request) -> {
      boolean mine = userRequests.containsKey(name);
      if (!mine && !userLimits.containsKey(name)) {
        return; // the profile's own pair
      }
      Quantity limit = limits.get(name);
      String at = field + (mine ? ".requests." : ".limits.") + name;
      if (limit == null) {
        if (!overcommitAllowed(name)) {
          out.add(new Problem(at, name + " cannot be overcommitted: set limits." + name + " equal to the request"));
        }
        return;
      }
      int cmp = amount(request.toString()).orElseThrow().compareTo(amount(limit.toString()).orElseThrow());
      String pair = "the request " + request + (mine ? "" : " (the profile's)") + " and the limit " + limit
          + (userLimits.containsKey(name) ? "" : " (the profile's)");
      if (cmp != 0 && !overcommitAllowed(name)) {
        out.add(new Problem(at, pair + " must be equal: " + name + " cannot be overcommitted"));
      } else if (cmp > 0) {
        out.add(new Problem(at, pair + ": a request cannot exceed its limit"));
      }
    });
    boolean hugePages = requests.keySet().stream().anyMatch(n -> n.startsWith(HUGE_PAGES));
    boolean cpuOrMemory = requests.containsKey("cpu") || requests.containsKey("memory");
    if (hugePages && !cpuOrMemory) {
      out.add(new Problem(field, "huge pages need a cpu or memory request or limit beside them"));
    }
  }

  /** Why a container cannot ask for {@code name}, or empty when it can. */
  static Optional<String> nameProblem(String name) {
    Optional<String> qualified = KubeNames.labelKeyProblem(name);
    if (qualified.isPresent()) {
      return Optional.of("is not a resource name: " + qualified.get());
    }
    if (name.startsWith(HUGE_PAGES) && !positiveWhole(pageSize(name))) {
      return Optional.of("is not a huge page size: hugepages-<size>, such as hugepages-2Mi");
    }
    if (name.indexOf('/') < 0) {
      return CONTAINER_RESOURCES.contains(name) || name.startsWith(HUGE_PAGES)
          ? Optional.empty()
          : Optional.of("is not a container resource: cpu, memory, ephemeral-storage or hugepages-<size>, or an extended"
              + " resource such as example.com/gpu");
    }
    if (!isNative(name) && (name.startsWith("requests.") || KubeNames.labelKeyProblem("requests." + name).isPresent())) {
      return Optional.of("is not an extended resource name (a domain, '/', a name; not starting with 'requests.')");
    }
    return Optional.empty();
  }

  /** Unprefixed names and names in a kubernetes.io domain (apimachinery's IsNativeResource). */
  private static boolean isNative(String name) {
    return name.indexOf('/') < 0 || name.contains("kubernetes.io/");
  }

  private static boolean isExtended(String name) {
    return !isNative(name);
  }

  /** Only native resources other than huge pages may ask for less than their limit. */
  private static boolean overcommitAllowed(String name) {
    return isNative(name) && !name.startsWith(HUGE_PAGES);
  }

  private static Optional<BigDecimal> pageSize(String name) {
    return amount(name.substring(HUGE_PAGES.length()));
  }

  private static boolean positiveWhole(Optional<BigDecimal> size) {
    return size.isPresent() && size.get().signum() > 0 && size.get().stripTrailingZeros().scale() <= 0;
  }

  private static boolean divides(Optional<BigDecimal> pageSize, BigDecimal amount) {
    if (!positiveWhole(pageSize)) {
      return false;
    }
    BigInteger bytes = amount.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
    return bytes.mod(pageSize.get().toBigIntegerExact()).signum() == 0;
  }

  /** The value of a quantity, rounded up to nanounits as the API server keeps it; empty when it is not one. */
  static Optional<BigDecimal> amount(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = QUANTITY.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    BigDecimal number = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    BigDecimal value = switch (suffix) {
      case "" -> number;
      case "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" ->
          number.multiply(new BigDecimal(BigInteger.TWO.pow(10 * (1 + "KMGTPE".indexOf(suffix.charAt(0))))));
      case "n" -> number.scaleByPowerOfTen(-9);
      case "u" -> number.scaleByPowerOfTen(-6);
      case "m" -> number.scaleByPowerOfTen(-3);
      case "k" -> number.scaleByPowerOfTen(3);
      case "M" -> number.scaleByPowerOfTen(6);
      case "G" -> number.scaleByPowerOfTen(9);
      case "T" -> number.scaleByPowerOfTen(12);
      case "P" -> number.scaleByPowerOfTen(15);
      case "E" -> number.scaleByPowerOfTen(18);
      default -> exponent(number, suffix.substring(1));
    };
    return value == null ? Optional.empty() : Optional.of(value.setScale(NANO, RoundingMode.CEILING));
  }

  /** {@code number} times ten to {@code exponent}, or null past what a quantity can hold. */
  private static BigDecimal exponent(BigDecimal number, String exponent) {
    try {
      int e = Integer.parseInt(exponent.startsWith("+") ? exponent.substring(1) : exponent);
      return Math.abs(e) > 1000 ? null : number.scaleByPowerOfTen(e);
    } catch (NumberFormatException tooLong) {
      return null;
    }
  }
}
