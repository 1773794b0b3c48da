package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for container environment. */
final class Env {
  private Env() {}

  static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  static EnvVar field(String name, String fieldPath) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewFieldRef().withApiVersion("v1").withFieldPath(fieldPath).endFieldRef().endValueFrom()
        .build();
  }

  static EnvVar resource(String name, String resource) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewResourceFieldRef().withResource(resource).withDivisor(new Quantity("1")).endResourceFieldRef().endValueFrom()
        .build();
  }

  /** The built-in variables with the user's laid over them: same name replaces in place, new ones append. */
  static List<EnvVar> merge(List<EnvVar> builtIn, List<EnvVar> user) {
    Map<String, EnvVar> byName = new LinkedHashMap<>();
    builtIn.forEach(e -> byName.put(e.getName(), e));
    user.forEach(e -> byName.put(e.getName(), new EnvVarBuilder(e).build()));
    return new ArrayList<>(byName.values());
  }
}
