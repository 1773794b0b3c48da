package dev.meshoperator.render;

import java.util.List;

/**
 * Istio's API groups (ISTIO-FACTS section 1). The kinds themselves, with their versions and
 * schemas, come from Istio's published CRDs ({@link IstioCrds}).
 */
final class IstioApiKinds {
  /**
   * Read access to every kind of Istio's published CRDs (the bundle every install applies), named
   * one by one. Istio's chart grants {@code "*"} in its groups instead, but the operator may create
   * a role only with rules it holds itself, and only a {@code "*"} covers a {@code "*"}: naming the
   * kinds keeps wildcards out of the operator's RBAC. Istio's legacy groups in that chart rule
   * (config, authentication, rbac.istio.io) have no kind among the CRDs installed here.
   */
  static List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> readRules() {
    var kinds = IstioCrds.kinds(dev.meshoperator.profile.IstioVersions.crdSource());
    return kinds.stream().map(IstioCrds.Kind::group).distinct().sorted()
        .map(group -> Rbac.rule(group, kinds.stream().filter(k -> k.group().equals(group))
            .map(IstioCrds.Kind::plural).sorted().toList(), Rbac.READ))
        .toList();
  }

  private IstioApiKinds() {}
}
