package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.List;

final class Rbac {
  static final List<String> READ = List.of("get", "list", "watch");
  static final List<String> ALL = List.of("get", "list", "watch", "create", "update", "patch", "delete");

  private Rbac() {}

  static PolicyRule rule(List<String> groups, List<String> resources, List<String> verbs) {
    return new PolicyRuleBuilder().withApiGroups(groups).withResources(resources).withVerbs(verbs).build();
  }

  static PolicyRule rule(String group, List<String> resources, List<String> verbs) {
    return rule(List.of(group), resources, verbs);
  }
}
