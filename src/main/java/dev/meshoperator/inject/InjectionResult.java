package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * Either the injected pod or why the pod must be refused.
 *
 * @param pod the injected copy; null when there are errors
 * @param errors every problem found, each naming the annotation (or part of the pod) and value
 */
public record InjectionResult(Pod pod, List<String> errors) {
  public InjectionResult {
    errors = List.copyOf(errors);
    if (errors.isEmpty() == (pod == null)) {
      throw new IllegalArgumentException("exactly one of pod and errors");
    }
  }

  static InjectionResult injected(Pod pod) {
    return new InjectionResult(pod, List.of());
  }

  static InjectionResult refused(List<String> errors) {
    return new InjectionResult(null, errors);
  }

  public boolean ok() {
    return errors.isEmpty();
  }

  /** All errors in one line, for an admission denial message. */
  public String message() {
    return String.join("; ", errors);
  }
}
