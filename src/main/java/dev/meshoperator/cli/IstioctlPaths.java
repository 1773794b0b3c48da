package dev.meshoperator.cli;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --set} paths as istioctl users type them ({@code values.global.hub=...},
 * {@code components.pilot.k8s.replicaCount=2}, {@code meshConfig.outboundTrafficPolicy.mode=...}),
 * rewritten to the MeshInstall field that means the same. A path of istioctl's tree that has no
 * MeshInstall equivalent is refused by name, rather than passed on to fail as an unknown field or,
 * worse, silently do nothing. Paths already written the MeshInstall way pass through unchanged.
 */
final class IstioctlPaths {

  /** {@code --set} after translation; {@code note} says which MeshInstall field an istioctl path became. */
  record Translation(String assignment, Optional<String> note) {}

  private record Rule(Pattern istioctl, Function<Matcher, String> meshInstall) {
    static Rule exact(String istioctl, String meshInstall) {
      return new Rule(Pattern.compile(Pattern.quote(istioctl)), m -> meshInstall);
    }

    static Rule prefix(String istioctl, String meshInstall) {
      return new Rule(Pattern.compile(Pattern.quote(istioctl) + "(\\..+)"), m -> meshInstall + m.group(1));
    }
  }

  // A component of IstioOperator's components: pilot, or a gateway by list index.
  private static final String COMPONENT = "components\\.(pilot|(?:ingress|egress)Gateways\\[\\d+\\])";

  private static final List<Rule> RULES = List.of(
      Rule.exact("hub", "hub"),
      Rule.exact("values.global.hub", "hub"),
      Rule.exact("tag", "version"),
      Rule.exact("values.global.tag", "version"),
      Rule.exact("values.revision", "revision"),
      Rule.exact("values.global.istioNamespace", "namespace"),
      Rule.exact("values.global.remotePilotAddress", "remote.address"),
      Rule.exact("values.global.multiCluster.clusterName", "cluster.name"),
      Rule.exact("values.global.network", "cluster.network"),
      Rule.exact("values.global.meshID", "meshId"),
      Rule.exact("meshConfig.outboundTrafficPolicy.mode", "meshConfig.outboundTrafficPolicy"),
      Rule.prefix("values.meshConfig", "meshConfig"),
      Rule.exact("values.pilot.enabled", "components.pilot.enabled"),
      Rule.exact("values.pilot.replicaCount", "components.pilot.replicas"),
      Rule.exact("values.pilot.autoscaleEnabled", "components.pilot.autoscaling.enabled"),
      Rule.exact("values.pilot.autoscaleMin", "components.pilot.autoscaling.minReplicas"),
      Rule.exact("values.pilot.autoscaleMax", "components.pilot.autoscaling.maxReplicas"),
      Rule.exact("values.pilot.cpu.targetAverageUtilization", "components.pilot.autoscaling.targetCPUUtilizationPercentage"),
      Rule.exact("values.pilot.traceSampling", "meshConfig.traceSampling"),
      Rule.exact("values.pilot.resources", "components.pilot.resources"),
      Rule.prefix("values.pilot.resources", "components.pilot.resources"),
      Rule.prefix("values.pilot.nodeSelector", "components.pilot.nodeSelector"),
      Rule.prefix("values.pilot.podAnnotations", "components.pilot.podAnnotations"),
      Rule.prefix("values.pilot.podLabels", "components.pilot.podLabels"),
      Rule.exact("values.global.proxy.resources", "sidecarInjector.resources"),
      Rule.prefix("values.global.proxy.resources", "sidecarInjector.resources"),
      Rule.exact("values.global.proxy.holdApplicationUntilProxyStarts", "meshConfig.defaultConfig.holdApplicationUntilProxyStarts"),
      Rule.exact("values.sidecarInjectorWebhook.rewriteAppHTTPProbe", "sidecarInjector.rewriteAppHTTPProbers"),
      Rule.exact("values.sidecarInjectorWebhook.neverInjectSelector", "sidecarInjector.neverInjectSelector"),
      Rule.exact("values.sidecarInjectorWebhook.alwaysInjectSelector", "sidecarInjector.alwaysInjectSelector"),
      Rule.prefix("values.sidecarInjectorWebhook.injectedAnnotations", "sidecarInjector.injectedAnnotations"),
      Rule.exact("values.prometheus.enabled", "addons.prometheus.enabled"),
      Rule.exact("values.grafana.enabled", "addons.grafana.enabled"),
      Rule.exact("addonComponents.prometheus.enabled", "addons.prometheus.enabled"),
      Rule.exact("addonComponents.grafana.enabled", "addons.grafana.enabled"),
      // Istio CNI: the component's switch and namespace, and the values users set for it.
      Rule.exact("components.cni.enabled", "components.cni.enabled"),
      Rule.exact("components.cni.namespace", "components.cni.namespace"),
      new Rule(Pattern.compile("values\\.cni\\.(excludeNamespaces|cniBinDir|cniConfDir|hub|tag)"), m -> "components.cni." + m.group(1)),
      Rule.exact("values.cni.resources", "components.cni.resources"),
      Rule.prefix("values.cni.resources", "components.cni.resources"),
      // IstioOperator's components.<c>.k8s.* settings are direct fields of ours.
      new Rule(Pattern.compile(COMPONENT + "\\.k8s\\.replicaCount"), m -> "components." + m.group(1) + ".replicas"),
      new Rule(Pattern.compile(COMPONENT + "\\.k8s\\.hpaSpec\\.(minReplicas|maxReplicas)"),
          m -> "components." + m.group(1) + ".autoscaling." + m.group(2)),
      new Rule(Pattern.compile(COMPONENT + "\\.k8s\\.service\\.(type|ports)((?:\\[\\d+\\])?(?:\\..+)?)"),
          m -> "components." + m.group(1) + ".service." + m.group(2) + m.group(3)),
      new Rule(Pattern.compile(COMPONENT + "\\.k8s\\.serviceAnnotations((?:\\..+)?)"),
          m -> "components." + m.group(1) + ".service.annotations" + m.group(2)),
      new Rule(Pattern.compile(COMPONENT + "\\.k8s\\.(resources|nodeSelector|tolerations|affinity|env|podAnnotations|podDisruptionBudget)((?:\\[\\d+\\])?(?:\\..+)?)"),
          m -> "components." + m.group(1) + "." + m.group(2) + m.group(3)));

  // Roots of istioctl's tree: a path under one of them that no rule translated has no equivalent.
  private static final Pattern ISTIOCTL_ONLY = Pattern.compile(
      "(values|addonComponents|components\\.(cni|ztunnel|istiodRemote)|" + COMPONENT + "\\.k8s|meshConfig\\.(outboundTrafficPolicy\\.[^.]+))(\\..*|\\[.*)?");

  private IstioctlPaths() {}

  /** The assignment with its path in MeshInstall terms, or a usage error naming a path with no equivalent. */
  static Translation translate(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      return new Translation(assignment, Optional.empty()); // SpecSetter says what is wrong with it
    }
    String path = assignment.substring(0, eq);
    String bare = path.startsWith("spec.") ? path.substring("spec.".length()) : path;
    String value = assignment.substring(eq + 1);
    for (Rule rule : RULES) {
      Matcher m = rule.istioctl().matcher(bare);
      if (m.matches()) {
        String field = rule.meshInstall().apply(m);
        return new Translation(field + "=" + value,
            Optional.of("--set " + path + ": istioctl's path, applied as spec." + field + " of the MeshInstall"));
      }
    }
    if (ISTIOCTL_ONLY.matcher(bare).matches()) {
      throw CliException.usage("--set " + path + ": istioctl's path has no MeshInstall equivalent",
          "the MeshInstall's fields are in README.md (MeshInstall reference) and 'kubectl explain meshinstall.spec'");
    }
    return new Translation(assignment, Optional.empty());
  }
}
