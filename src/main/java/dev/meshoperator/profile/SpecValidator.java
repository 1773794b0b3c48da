package dev.meshoperator.profile;

import dev.meshoperator.api.Components;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.PodDisruptionBudgetSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.SpecLimits;
import dev.meshoperator.api.WorkloadSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Semantic checks the CRD schema cannot express (relations between fields, results of the overlay),
 * plus the schema's own bounds again, because meshctl resolves specs that never met an API server.
 */
final class SpecValidator {
  private static final Pattern DNS_1035_LABEL = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern REMOTE_ADDRESS = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$");
  private static final int MAX_LABEL = 63;
  private static final Set<String> SELECTOR_OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");
  private final MeshInstallSpec spec;
  private final EffectiveConfig config;
  private final List<Problem> problems = new ArrayList<>();

  private SpecValidator(MeshInstallSpec spec, EffectiveConfig config) {
    this.spec = spec;
    this.config = config;
  }

  static List<Problem> validate(MeshInstallSpec spec, EffectiveConfig config) {
    SpecValidator v = new SpecValidator(spec, config);
    v.version();
    v.remote();
    v.revision();
    v.pilot();
    v.gateways();
    v.mesh();
    v.injector();
    v.problems.addAll(ClusterIdentity.problems(spec));
    v.cni();
    v.revisionTags();
    return List.copyOf(v.problems);
  }

  private void problem(String field, String reason) {
    problems.add(new Problem(field, reason));
  }

  /** A hub the runtime cannot name images under: the API server admits such pods, which then never start. */
  private void hub(String field, String hub, String image) {
    ImageNames.hubProblem(hub).ifPresent(reason -> problem(field, "'" + hub + "' cannot name images such as "
        + hub + "/" + image + ": " + reason));
  }

  private void version() {
    if (spec.getHub() != null) {
      hub("spec.hub", spec.getHub(), "proxyv2");
    }
    String version = config.images().version();
    if (!IstioVersions.isRelease(version)) {
      problem("spec.version", "'" + version + "' is not an Istio release such as " + IstioVersions.defaultVersion()
          + " (MAJOR.MINOR.PATCH, optionally -variant); supported: " + IstioVersions.describeSupported());
    } else if (IstioVersions.of(version).isEmpty()) {
      problem("spec.version", "Istio '" + version + "' is not supported; supported: " + IstioVersions.describeSupported()
          + " (default " + IstioVersions.defaultVersion() + ")");
    }
  }

  private void size(String field, java.util.Collection<?> items, int max) {
    if (items != null && items.size() > max) {
      problem(field, "has " + items.size() + " items, more than the limit of " + max);
    }
  }

  /** Requests and limits as written at {@code field}, and as rendered from them ({@code rendered}, null when nothing is). */
  private void resources(String field, ResourceRequirements user, ResourceRequirements rendered) {
    problems.addAll(KubeResources.problems(field, user, rendered));
  }

  private void remote() {
    String address = spec.getRemote() == null ? null : spec.getRemote().getAddress();
    if (config.profile() == Profile.REMOTE && (address == null || address.isEmpty())) {
      problem("spec.remote.address", "the remote profile needs the address of the external istiod");
    } else if (address != null && !address.isEmpty() && !REMOTE_ADDRESS.matcher(address).matches()) {
      problem("spec.remote.address", "'" + address + "' must be a bare host name or IP address, without scheme, port or path");
    }
  }

  private void revision() {
    String revision = config.revision().name();
    String longest = config.revision().qualify(config.addons().prometheus() ? "prometheus" : "istiod");
    if (!revision.isEmpty() && longest.length() > MAX_LABEL) {
      problem("spec.revision", "'" + revision + "' is too long: the name " + longest + " would exceed " + MAX_LABEL + " characters");
    }
  }

  private void pilot() {
    Components components = spec.getComponents();
    if (components == null || components.getPilot() == null) {
      return;
    }
    String field = "spec.components.pilot";
    if (config.profile() == Profile.REMOTE && Boolean.TRUE.equals(components.getPilot().getEnabled())) {
      problem(field + ".enabled", "the remote profile uses the istiod at spec.remote.address; a local istiod cannot be enabled (use another profile)");
    }
    if (components.getPilot().getService() != null && components.getPilot().getService().getPorts() != null) {
      problem(field + ".service.ports", "istiod's Service ports are fixed by the mesh contract (15010, 15012, 443->15017, 15014) and cannot be set");
    }
    if (components.getPilot().getService() != null) {
      problems.addAll(KubeNames.annotationProblems(field + ".service.annotations",
          components.getPilot().getService().getAnnotations()));
    }
    workload(field, components.getPilot(), config.istiodMode() == IstiodMode.LOCAL ? config.pilot().resources() : null);
  }

  private void gateways() {
    Components components = spec.getComponents();
    if (components == null) {
      return;
    }
    size("spec.components.ingressGateways", components.getIngressGateways(), SpecLimits.GATEWAYS);
    size("spec.components.egressGateways", components.getEgressGateways(), SpecLimits.GATEWAYS);
    Map<String, String> usedBy = new HashMap<>();
    for (GatewayKind kind : GatewayKind.values()) {
      List<GatewaySpec> list = kind == GatewayKind.INGRESS ? components.getIngressGateways() : components.getEgressGateways();
      if (list == null) {
        continue;
      }
      String listField = "spec.components." + (kind == GatewayKind.INGRESS ? "ingressGateways" : "egressGateways");
      for (int i = 0; i < list.size(); i++) {
        String field = listField + "[" + i + "]";
        GatewaySpec gateway = list.get(i);
        if (gateway == null) {
          problem(field, "must not be null");
          continue;
        }
        String name = gateway.getName();
        // What is rendered for it after the overlay; none when it is disabled or unnamed.
        Optional<GatewayConfig> rendered = config.gateways().stream()
            .filter(g -> g.kind() == kind && g.name().equals(name)).findFirst();
        if (name == null || name.isEmpty()) {
          problem(field + ".name", "is required");
        } else {
          String previous = usedBy.putIfAbsent(name, field);
          if (previous != null) {
            problem(field + ".name", "'" + name + "' is already used by " + previous + "; gateway names share one namespace");
          }
          String qualified = config.revision().qualify(name);
          if (qualified.length() > MAX_LABEL || !DNS_1035_LABEL.matcher(qualified).matches()) {
            problem(field + ".name", "'" + qualified + "' (with the revision suffix) must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter, at most " + MAX_LABEL + " characters");
          }
          // Ports are checked after the overlay, and only for gateways that will be rendered.
          rendered.ifPresent(g -> ports(field + ".service.ports", g.workload().service().ports()));
        }
        if (gateway.getService() != null) {
          problems.addAll(KubeNames.annotationProblems(field + ".service.annotations", gateway.getService().getAnnotations()));
        }
        workload(field, gateway, rendered.map(g -> g.workload().resources()).orElse(null));
      }
    }
  }

  private void ports(String field, List<ServicePort> ports) {
    size(field, ports, SpecLimits.SERVICE_PORTS);
    if (ports.isEmpty()) {
      problem(field, "an enabled gateway needs at least one Service port");
      return;
    }
    Map<Integer, Integer> numbers = new HashMap<>();
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < ports.size(); i++) {
      ServicePort port = ports.get(i);
      String at = field + "[" + i + "]";
      if (port.getPort() == null || port.getPort() < 1 || port.getPort() > 65535) {
        problem(at + ".port", "must be between 1 and 65535");
      } else {
        Integer first = numbers.putIfAbsent(port.getPort(), i);
        if (first != null) {
          problem(at + ".port", "port " + port.getPort() + " is already used by ports[" + first + "]");
        }
      }
      if (port.getName() == null || port.getName().isEmpty()) {
        if (ports.size() > 1) {
          problem(at + ".name", "is required when a Service has more than one port");
        }
      } else {
        Integer first = names.putIfAbsent(port.getName(), i);
        if (first != null) {
          problem(at + ".name", "'" + port.getName() + "' is already used by ports[" + first + "]");
        }
      }
    }
  }

  private void workload(String field, WorkloadSpec workload, ResourceRequirements rendered) {
    resources(field + ".resources", workload.getResources(), rendered);
    problems.addAll(KubeNames.labelProblems(field + ".podLabels", workload.getPodLabels()));
    problems.addAll(KubeNames.labelProblems(field + ".nodeSelector", workload.getNodeSelector()));
    problems.addAll(KubeNames.annotationProblems(field + ".podAnnotations", workload.getPodAnnotations()));
    size(field + ".env", workload.getEnv(), SpecLimits.ENV);
    size(field + ".tolerations", workload.getTolerations(), SpecLimits.TOLERATIONS);
    if (workload.getReplicas() != null && workload.getReplicas() < 0) {
      problem(field + ".replicas", "must not be negative");
    }
    if (workload.getAutoscaling() != null) {
      Integer min = workload.getAutoscaling().getMinReplicas();
      Integer max = workload.getAutoscaling().getMaxReplicas();
      if (min != null && min < 1) {
        problem(field + ".autoscaling.minReplicas", "must be at least 1");
      }
      // Compare what will be rendered: an unset bound comes from the profile (1..5 in every profile).
      int effectiveMin = min != null ? min : Autoscaling.ISTIO_DEFAULT.minReplicas();
      int effectiveMax = max != null ? max : Autoscaling.ISTIO_DEFAULT.maxReplicas();
      if (effectiveMin > effectiveMax) {
        problem(field + ".autoscaling", "minReplicas " + effectiveMin + " is greater than maxReplicas " + effectiveMax);
      }
    }
    PodDisruptionBudgetSpec pdb = workload.getPodDisruptionBudget();
    if (pdb != null && pdb.getMinAvailable() != null && pdb.getMaxUnavailable() != null) {
      problem(field + ".podDisruptionBudget", "set minAvailable or maxUnavailable, not both");
    }
    if (workload.getEnv() != null) {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < workload.getEnv().size(); i++) {
        String name = workload.getEnv().get(i) == null ? null : workload.getEnv().get(i).getName();
        if (name == null || name.isEmpty()) {
          problem(field + ".env[" + i + "].name", "is required");
        } else if (KubeNames.envNameProblem(name).isPresent()) {
          problem(field + ".env[" + i + "].name", "'" + name + "' is not an environment variable name: "
              + KubeNames.envNameProblem(name).get());
        } else if (seen.putIfAbsent(name, i) != null) {
          problem(field + ".env[" + i + "].name", "'" + name + "' is already set by env[" + seen.get(name) + "]");
        }
      }
    }
  }

  private void mesh() {
    if (spec.getMeshConfig() == null) {
      return;
    }
    if (spec.getMeshConfig().getDefaultConfig() != null && spec.getMeshConfig().getDefaultConfig().getProxyMetadata() != null) {
      // Each key becomes a variable of every gateway's proxy container.
      new java.util.TreeMap<>(spec.getMeshConfig().getDefaultConfig().getProxyMetadata()).keySet().forEach(key ->
          KubeNames.envNameProblem(key).ifPresent(reason -> problem("spec.meshConfig.defaultConfig.proxyMetadata",
              "key '" + key + "' is not an environment variable name: " + reason)));
    }
    if (spec.getMeshConfig().getTraceSampling() == null) {
      return;
    }
    double sampling = spec.getMeshConfig().getTraceSampling();
    if (sampling < 0 || sampling > 100) {
      problem("spec.meshConfig.traceSampling", sampling + " is not a percentage between 0 and 100");
    }
  }

  private static final java.util.regex.Pattern DNS_LABEL = java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

  private void revisionTags() {
    List<String> tags = spec.getRevisionTags();
    if (tags == null) {
      return;
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      String field = "spec.revisionTags[" + i + "]";
      if (tag == null || !DNS_LABEL.matcher(tag).matches()) {
        problem(field, "'" + tag + "' is not a DNS label (lower case letters, digits and '-', at most 63 characters)");
      } else if (!seen.add(tag)) {
        problem(field, "'" + tag + "' is listed twice");
      } else if (tag.equals(config.revision().label())) {
        problem(field, "'" + tag + "' is the name of the revision itself; a tag is another name for it");
      } else if (config.role().strategy() == dev.meshoperator.api.UpdateStrategyType.InPlace
          && tag.equals(config.role().installRevision().label())) {
        problem(field, "'" + tag + "' is this install's revision");
      }
    }
  }

  private void injector() {
    if (spec.getSidecarInjector() == null) {
      return;
    }
    Integer timeout = spec.getSidecarInjector().getTimeoutSeconds();
    if (timeout != null && (timeout < 1 || timeout > 30)) {
      problem("spec.sidecarInjector.timeoutSeconds", timeout + " is outside 1..30 (the API server's limit for webhooks)");
    }
    resources("spec.sidecarInjector.resources", spec.getSidecarInjector().getResources(), config.injector().proxyResources());
    size("spec.sidecarInjector.neverInjectSelector", spec.getSidecarInjector().getNeverInjectSelector(), SpecLimits.SELECTORS);
    size("spec.sidecarInjector.alwaysInjectSelector", spec.getSidecarInjector().getAlwaysInjectSelector(), SpecLimits.SELECTORS);
    if (spec.getSidecarInjector().getTemplates() != null) {
      size("spec.sidecarInjector.templates", spec.getSidecarInjector().getTemplates().keySet(), SpecLimits.TEMPLATES);
    }
    selectors("spec.sidecarInjector.neverInjectSelector", spec.getSidecarInjector().getNeverInjectSelector());
    selectors("spec.sidecarInjector.alwaysInjectSelector", spec.getSidecarInjector().getAlwaysInjectSelector());
    InjectionTemplates.problems(spec.getSidecarInjector().getTemplates()).forEach(p -> problem(p.field(), p.reason()));
    // Added to every injected pod: a key the API server refuses would stop every pod the webhook injects.
    problems.addAll(KubeNames.annotationProblems("spec.sidecarInjector.injectedAnnotations",
        spec.getSidecarInjector().getInjectedAnnotations()));
  }

  private static final Pattern DNS_1123_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern IMAGE_TAG = Pattern.compile("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");

  /** spec.components.cni: the schema's bounds again (meshctl), and host paths the agent can mount. */
  private void cni() {
    if (spec.getComponents() == null || spec.getComponents().getCni() == null) {
      return;
    }
    var cni = spec.getComponents().getCni();
    String field = "spec.components.cni";
    String ns = cni.getNamespace();
    if (ns != null && !ns.isEmpty() && (ns.length() > MAX_LABEL || !DNS_1123_LABEL.matcher(ns).matches())) {
      problem(field + ".namespace", "'" + ns + "' is not a namespace name (a DNS label: lowercase letters, digits and '-', at most " + MAX_LABEL + " characters)");
    }
    if (cni.getHub() != null && !cni.getHub().isEmpty()) {
      hub(field + ".hub", cni.getHub(), "install-cni");
    }
    if (cni.getTag() != null && !cni.getTag().isEmpty() && !IMAGE_TAG.matcher(cni.getTag()).matches()) {
      problem(field + ".tag", "'" + cni.getTag() + "' is not an image tag");
    }
    resources(field + ".resources", cni.getResources(), config.cni().resources());
    hostPath(field + ".cniBinDir", cni.getCniBinDir());
    hostPath(field + ".cniConfDir", cni.getCniConfDir());
    List<String> excluded = cni.getExcludeNamespaces();
    if (excluded != null) {
      for (int i = 0; i < excluded.size(); i++) {
        String name = excluded.get(i);
        if (name == null || name.length() > MAX_LABEL || !DNS_1123_LABEL.matcher(name).matches()) {
          problem(field + ".excludeNamespaces[" + i + "]", "'" + name + "' is not a namespace name");
        }
      }
    }
  }

  private void hostPath(String field, String path) {
    if (path == null || path.isEmpty()) {
      return;
    }
    if (!path.startsWith("/") || List.of(path.split("/")).contains("..")) {
      problem(field, "'" + path + "' must be an absolute host path without '..'");
    } else if (path.equals("/")) {
      problem(field, "the host's root directory cannot be the CNI directory");
    }
  }

  private void selectors(String field, List<LabelSelector> selectors) {
    if (selectors == null) {
      return;
    }
    for (int i = 0; i < selectors.size(); i++) {
      LabelSelector selector = selectors.get(i);
      if (selector == null || selector.getMatchExpressions() == null) {
        continue;
      }
      for (int j = 0; j < selector.getMatchExpressions().size(); j++) {
        LabelSelectorRequirement req = selector.getMatchExpressions().get(j);
        String at = field + "[" + i + "].matchExpressions[" + j + "]";
        String op = req.getOperator();
        boolean hasValues = req.getValues() != null && !req.getValues().isEmpty();
        if (req.getKey() == null || req.getKey().isEmpty()) {
          problem(at + ".key", "is required");
        }
        if (op == null || !SELECTOR_OPERATORS.contains(op)) {
          problem(at + ".operator", "'" + op + "' must be one of In, NotIn, Exists, DoesNotExist");
        } else if ((op.equals("In") || op.equals("NotIn")) && !hasValues) {
          problem(at + ".values", "operator " + op + " needs at least one value");
        } else if ((op.equals("Exists") || op.equals("DoesNotExist")) && hasValues) {
          problem(at + ".values", "operator " + op + " takes no values");
        }
      }
    }
  }
}
