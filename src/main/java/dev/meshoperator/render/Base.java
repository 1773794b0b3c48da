package dev.meshoperator.render;

import static dev.meshoperator.render.Rbac.ALL;
import static dev.meshoperator.render.Rbac.READ;
import static dev.meshoperator.render.Rbac.rule;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.IstiodMode;
import dev.meshoperator.profile.IstioVersions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cluster-scoped foundation: Istio's API kinds as Istio publishes their CRDs (when base is enabled), the cluster RBAC a
 * local istiod needs to become Ready, and the reader account an istiod in another cluster uses
 * (istio-reader-service-account; the remote profile's reader may also write what that istiod writes).
 */
final class Base implements ComponentRenderer {
  static final String READER_SERVICE_ACCOUNT = "istio-reader-service-account";
  private static final String MCS_GROUP = "multicluster.x-k8s.io";
  private static final List<String> GATEWAY_API_GROUPS = List.of("gateway.networking.k8s.io", "gateway.networking.x-k8s.io");
  // The Gateway API kinds istiod handles, named rather than "*" (see IstioApiKinds.readRules).
  private static final List<String> GATEWAY_API_RESOURCES = List.of(
      "backendtlspolicies", "gatewayclasses", "gateways", "grpcroutes", "httproutes", "listenersets",
      "referencegrants", "tcproutes", "tlsroutes", "udproutes");

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    List<HasMetadata> objects = new ArrayList<>();
    Map<String, String> labels = Labels.of(config, Labels.COMPONENT_BASE);
    if (config.baseEnabled()) {
      istioMinor(config); // an unsupported version is refused before rendering; fail loudly if not
      IstioCrds.of(IstioVersions.crdSource()).forEach(published -> objects.add(crd(published, labels)));
    }
    if (config.istiodMode() == IstiodMode.LOCAL) {
      String sa = config.revision().qualify("istiod");
      objects.addAll(clusterRole(config, clusterName(config, "istiod-clusterrole"), withIstioReads(istiodRules()), sa, labels));
      objects.addAll(clusterRole(config, clusterName(config, "istiod-gateway-controller"), gatewayControllerRules(), sa, labels));
    }
    if (config.baseEnabled() || config.istiodMode() == IstiodMode.REMOTE) {
      // Istio's base chart creates the reader in every cluster (istioctl create-remote-secret uses
      // it); its ClusterRole comes with istiod's chart, the remote profile's included.
      String sa = config.revision().qualify(READER_SERVICE_ACCOUNT);
      Map<String, String> readerLabels = Labels.with(labels, Map.of("app", "istio-reader"));
      objects.add(new ServiceAccountBuilder().withMetadata(Meta.namespaced(config, sa, readerLabels)).build());
      objects.addAll(clusterRole(config, clusterName(config, "istio-reader-clusterrole"),
          withIstioReads(readerRules(config.istiodMode() == IstiodMode.REMOTE)), sa, readerLabels));
    }
    return objects;
  }

  /** Validation refuses unsupported versions first; rendering one anyway is a programming error. */
  private static IstioVersions.Minor istioMinor(EffectiveConfig config) {
    return IstioVersions.of(config.images().version()).orElseThrow(() -> new IllegalArgumentException(
        "Istio " + config.images().version() + " is not supported (supported: " + IstioVersions.describeSupported() + ")"));
  }

  /** Istio's naming for cluster-scoped objects: the revision sits before the namespace. */
  static String clusterName(EffectiveConfig config, String base) {
    return config.revision().qualify(base) + "-" + config.namespace();
  }

  /**
   * Istio's published CRD as it is (schemas, CEL rules, shortNames, the istio-io category, printer
   * columns), with our labels in place of Istio's Helm labels and annotations.
   */
  private static CustomResourceDefinition crd(CustomResourceDefinition published, Map<String, String> labels) {
    // IstioCrds.of gives new objects on every call: nothing rendered aliases another install's.
    published.setMetadata(Meta.cluster(published.getMetadata().getName(), labels));
    return published;
  }

  private static List<HasMetadata> clusterRole(EffectiveConfig config, String name, List<PolicyRule> rules, String serviceAccount, Map<String, String> labels) {
    return List.of(
        new ClusterRoleBuilder().withMetadata(Meta.cluster(name, labels)).withRules(rules).build(),
        new ClusterRoleBindingBuilder()
            .withMetadata(Meta.cluster(name, labels))
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(name).endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName(serviceAccount).withNamespace(config.namespace()).endSubject()
            .build());
  }

  private static List<PolicyRule> istiodRules() {
    return List.of(
        rule("admissionregistration.k8s.io", List.of("mutatingwebhookconfigurations"), List.of("get", "list", "watch", "update", "patch")),
        rule("admissionregistration.k8s.io", List.of("validatingwebhookconfigurations"), List.of("get", "list", "watch", "update")),
        rule("networking.istio.io", List.of("workloadentries"), ALL),
        rule("networking.istio.io", List.of("workloadentries/status", "serviceentries/status"), ALL),
        rule("security.istio.io", List.of("authorizationpolicies/status"), ALL),
        rule("", List.of("services/status"), ALL),
        rule("apiextensions.k8s.io", List.of("customresourcedefinitions"), READ),
        rule("", List.of("pods", "nodes", "services", "namespaces", "endpoints", "secrets"), READ),
        rule("discovery.k8s.io", List.of("endpointslices"), READ),
        rule("networking.k8s.io", List.of("ingresses", "ingressclasses"), READ),
        // Istio grants "*" on ingresses/status; named verbs (what a status writer uses) keep
        // wildcards out of the operator's RBAC, which must hold every rule it renders.
        rule("networking.k8s.io", List.of("ingresses/status"), List.of("get", "update", "patch")),
        rule("", List.of("configmaps"), List.of("create", "get", "list", "watch", "update")),
        rule("authentication.k8s.io", List.of("tokenreviews"), List.of("create")),
        rule("authorization.k8s.io", List.of("subjectaccessreviews"), List.of("create")),
        rule(GATEWAY_API_GROUPS, GATEWAY_API_RESOURCES, READ),
        rule("gateway.networking.x-k8s.io", List.of("xbackendtrafficpolicies"), READ),
        rule("gateway.networking.x-k8s.io", List.of("xbackendtrafficpolicies/status"), List.of("update", "patch")),
        rule("gateway.networking.k8s.io", GATEWAY_API_RESOURCES.stream().map(r -> r + "/status").toList(), List.of("update", "patch")),
        rule("gateway.networking.k8s.io", List.of("gatewayclasses"), List.of("create", "update", "patch", "delete")),
        rule("inference.networking.k8s.io", List.of("inferencepools"), READ),
        rule("inference.networking.k8s.io", List.of("inferencepools/status"), List.of("update", "patch")),
        // Multi-cluster services (MCS_API_GROUP's default).
        rule(MCS_GROUP, List.of("serviceexports"), List.of("get", "watch", "list", "create", "delete")),
        rule(MCS_GROUP, List.of("serviceimports"), READ));
  }

  private static List<PolicyRule> withIstioReads(List<PolicyRule> rules) {
    List<PolicyRule> all = new ArrayList<>(IstioApiKinds.readRules());
    all.addAll(rules);
    return all;
  }

  private static List<PolicyRule> gatewayControllerRules() {
    return List.of(
        rule("apps", List.of("deployments"), ALL),
        rule("autoscaling", List.of("horizontalpodautoscalers"), ALL),
        rule("policy", List.of("poddisruptionbudgets"), ALL),
        rule("", List.of("services", "serviceaccounts"), ALL));
  }

  /**
   * What an istiod in another cluster needs here to discover workloads (Istio's reader ClusterRole;
   * Istio's kinds are added by {@link #withIstioReads}, named rather than "*").
   * A remote cluster's istiod is that other one: it also writes the istio-ca-root-cert ConfigMap
   * into every namespace, elects its leader with ConfigMaps, and patches webhook configurations.
   */
  private static List<PolicyRule> readerRules(boolean remote) {
    List<PolicyRule> rules = new ArrayList<>(List.of(
        rule("", List.of("endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps"), READ),
        rule(GATEWAY_API_GROUPS, GATEWAY_API_RESOURCES, READ),
        rule("networking.x-k8s.io", List.of("gateways"), READ),
        rule("apiextensions.k8s.io", List.of("customresourcedefinitions"), READ),
        rule("discovery.k8s.io", List.of("endpointslices"), READ),
        rule(MCS_GROUP, List.of("serviceexports"), List.of("get", "list", "watch", "create", "delete")),
        rule(MCS_GROUP, List.of("serviceimports"), READ),
        rule("apps", List.of("replicasets"), READ),
        rule("authentication.k8s.io", List.of("tokenreviews"), List.of("create")),
        rule("authorization.k8s.io", List.of("subjectaccessreviews"), List.of("create"))));
    if (remote) {
      rules.add(rule("", List.of("configmaps"), List.of("create", "get", "list", "watch", "update")));
      rules.add(rule("admissionregistration.k8s.io", List.of("mutatingwebhookconfigurations"), List.of("get", "list", "watch", "update", "patch")));
      rules.add(rule("admissionregistration.k8s.io", List.of("validatingwebhookconfigurations"), List.of("get", "list", "watch", "update")));
    }
    return rules;
  }
}
