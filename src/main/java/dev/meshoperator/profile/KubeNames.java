package dev.meshoperator.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for label keys and values and annotation keys (apimachinery's
 * {@code IsQualifiedName} and {@code IsValidLabelValue}; annotation keys are checked in lower
 * case, as the API server does). A key or value that breaks them makes the API server refuse the
 * object that carries it: a Deployment on apply, or, through the injector, every injected pod.
 */
final class KubeNames {
  private static final int NAME_MAX = 63;
  private static final int PREFIX_MAX = 253;
  private static final Pattern NAME = Pattern.compile("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
  private static final Pattern DNS_1123_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private KubeNames() {}

  /** The label keys and values of {@code labels} (pod labels, node selectors) that a pod cannot carry, in key order. */
  static List<Problem> labelProblems(String field, Map<String, String> labels) {
    List<Problem> out = new ArrayList<>();
    if (labels != null) {
      new TreeMap<>(labels).forEach((key, value) -> labelKeyProblem(key).ifPresentOrElse(
          reason -> out.add(new Problem(field, "key '" + key + "' is not a label key: " + reason)),
          () -> labelValueProblem(value).ifPresent(
              reason -> out.add(new Problem(field + "." + key, "'" + value + "' is not a label value: " + reason)))));
    }
    return out;
  }

  /** The annotation keys of {@code annotations} that a pod or Service cannot carry (any value can), in key order. */
  static List<Problem> annotationProblems(String field, Map<String, String> annotations) {
    List<Problem> out = new ArrayList<>();
    if (annotations != null) {
      new TreeMap<>(annotations).keySet().forEach(key -> annotationKeyProblem(key)
          .ifPresent(reason -> out.add(new Problem(field, "key '" + key + "' is not an annotation key: " + reason))));
    }
    return out;
  }

  /** Why {@code key} is not a label key, or empty when it is one. */
  static Optional<String> labelKeyProblem(String key) {
    return qualifiedNameProblem(key);
  }

  /** Why {@code key} is not an annotation key, or empty when it is one. */
  static Optional<String> annotationKeyProblem(String key) {
    return qualifiedNameProblem(key == null ? null : key.toLowerCase(Locale.ROOT));
  }

  /** Why {@code value} is not a label value, or empty when it is one (the empty value is one). */
  static Optional<String> labelValueProblem(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    if (value.length() > NAME_MAX) {
      return Optional.of("must be no more than " + NAME_MAX + " characters");
    }
    if (!NAME.matcher(value).matches()) {
      return Optional.of("must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end"
          + " with an alphanumeric character");
    }
    return Optional.empty();
  }

  /**
   * Why {@code name} cannot name a container's environment variable, or empty when it can: the
   * relaxed rule every supported Kubernetes applies (RelaxedEnvironmentVariableValidation, GA and
   * locked since 1.34): not empty, printable ASCII, no '='.
   */
  static Optional<String> envNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '=') {
        return Optional.of("must consist of printable ASCII characters other than '='");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> qualifiedNameProblem(String key) {
    if (key == null || key.isEmpty()) {
      return Optional.of("must not be empty");
    }
    int slash = key.indexOf('/');
    String name = key;
    if (slash >= 0) {
      if (key.indexOf('/', slash + 1) >= 0) {
        return Optional.of("may hold at most one '/', between a DNS subdomain prefix and a name (e.g. 'example.com/my-name')");
      }
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()) {
        return Optional.of("has an empty prefix before '/'");
      }
      if (prefix.length() > PREFIX_MAX || !DNS_1123_SUBDOMAIN.matcher(prefix).matches()) {
        return Optional.of("prefix '" + prefix + "' must be a lowercase DNS subdomain (e.g. 'example.com'), at most "
            + PREFIX_MAX + " characters");
      }
    }
    if (name.isEmpty()) {
      return Optional.of("has an empty name part");
    }
    if (name.length() > NAME_MAX) {
      return Optional.of("name part must be no more than " + NAME_MAX + " characters");
    }
    if (!NAME.matcher(name).matches()) {
      return Optional.of("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
          + " with an alphanumeric character");
    }
    return Optional.empty();
  }
}
