package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.AutoscalingSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.PilotSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RemoteSpec;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RendererTest {
  private final Renderer renderer = new Renderer();

  private List<HasMetadata> render(MeshInstall install) {
    return renderer.render(Profiles.resolve(install));
  }

  private static List<String> kindAndNames(List<HasMetadata> objects) {
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(type.getSimpleName() + " " + name + " not rendered; got " + kindAndNames(objects)));
  }

  private static Optional<String> env(Deployment deployment, String name) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst();
  }

  @Test
  void defaultProfileRendersExactlyBaseIstiodAndIngress() {
    List<String> nonCrds = kindAndNames(render(MeshInstalls.example(Profile.DEFAULT))).stream()
        .filter(k -> !k.startsWith("CustomResourceDefinition/")).toList();
    assertThat(nonCrds).containsExactly(
        "ServiceAccount/istio-reader-service-account",
        "ServiceAccount/istiod",
        "ServiceAccount/istio-ingressgateway-service-account",
        "ClusterRole/istiod-clusterrole-istio-system",
        "ClusterRole/istiod-gateway-controller-istio-system",
        "ClusterRole/istio-reader-clusterrole-istio-system",
        "ClusterRoleBinding/istiod-clusterrole-istio-system",
        "ClusterRoleBinding/istiod-gateway-controller-istio-system",
        "ClusterRoleBinding/istio-reader-clusterrole-istio-system",
        "Role/istiod",
        "Role/istio-ingressgateway-sds",
        "RoleBinding/istiod",
        "RoleBinding/istio-ingressgateway-sds",
        "ConfigMap/istio",
        "Service/istiod",
        "Service/istio-ingressgateway",
        "Deployment/istiod",
        "Deployment/istio-ingressgateway",
        "HorizontalPodAutoscaler/istiod",
        "HorizontalPodAutoscaler/istio-ingressgateway",
        "ValidatingWebhookConfiguration/istio-validator-istio-system",
        "ValidatingWebhookConfiguration/istiod-default-validator");
  }

  @Test
  void baseRendersIstiosPublishedCrdsWithShortNamesCategoriesAndOneStorageVersion() {
    List<io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition> crds = render(MeshInstalls.example(Profile.DEFAULT)).stream()
        .filter(io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class::cast).toList();
    assertThat(crds).extracting(c -> c.getMetadata().getName()).hasSize(15)
        .contains("virtualservices.networking.istio.io", "envoyfilters.networking.istio.io", "proxyconfigs.networking.istio.io",
            "authorizationpolicies.security.istio.io", "telemetries.telemetry.istio.io", "wasmplugins.extensions.istio.io",
            "trafficextensions.extensions.istio.io");
    for (var crd : crds) {
      assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
      assertThat(crd.getSpec().getNames().getCategories()).as(crd.getMetadata().getName()).contains("istio-io");
      assertThat(crd.getSpec().getVersions().stream().filter(v -> v.getStorage()).count()).as(crd.getMetadata().getName()).isEqualTo(1);
      assertThat(crd.getSpec().getVersions()).allSatisfy(v -> {
        assertThat(v.getSchema().getOpenAPIV3Schema().getProperties()).as("a structural schema").containsKeys("spec", "status");
        assertThat(v.getSchema().getOpenAPIV3Schema().getXKubernetesPreserveUnknownFields()).isNull();
      });
      assertThat(crd.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).doesNotContainKey("heritage");
      assertThat(crd.getMetadata().getAnnotations()).isNullOrEmpty();
    }
    var vs = crds.stream().filter(c -> c.getSpec().getNames().getKind().equals("VirtualService")).findFirst().orElseThrow();
    assertThat(vs.getSpec().getNames().getShortNames()).containsExactly("vs");
    assertThat(vs.getSpec().getVersions().get(0).getAdditionalPrinterColumns()).extracting(c -> c.getName()).contains("Gateways", "Hosts", "Age");
    var telemetry = crds.stream().filter(c -> c.getSpec().getNames().getKind().equals("Telemetry")).findFirst().orElseThrow();
    assertThat(telemetry.getSpec().getVersions()).filteredOn(v -> v.getStorage()).extracting(v -> v.getName()).containsExactly("v1alpha1");
  }

  @Test
  void renderedCrdsDoNotAliasTheBundledOnes() {
    EffectiveConfig config = Profiles.resolve(MeshInstalls.example(Profile.MINIMAL));
    var first = find(renderer.render(config), io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class, "virtualservices.networking.istio.io");
    first.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().clear();
    var second = find(renderer.render(config), io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class, "virtualservices.networking.istio.io");
    assertThat(second.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties()).isNotEmpty();
  }

  private static List<String> rules(io.fabric8.kubernetes.api.model.rbac.ClusterRole role) {
    return role.getRules().stream().flatMap(r -> r.getApiGroups().stream().flatMap(g -> r.getResources().stream()
        .map(res -> g + "/" + res + " " + String.join(",", r.getVerbs())))).toList();
  }

  @Test
  void istiodClusterRoleHasWhatIstio130Grants() {
    var role = find(render(MeshInstalls.example(Profile.MINIMAL)), io.fabric8.kubernetes.api.model.rbac.ClusterRole.class, "istiod-clusterrole-istio-system");
    assertThat(rules(role)).contains(
        "networking.k8s.io/ingresses/status get,update,patch",
        "gateway.networking.x-k8s.io/xbackendtrafficpolicies/status update,patch",
        "gateway.networking.k8s.io/listenersets/status update,patch",
        "inference.networking.k8s.io/inferencepools get,list,watch",
        "inference.networking.k8s.io/inferencepools/status update,patch",
        "multicluster.x-k8s.io/serviceexports get,watch,list,create,delete",
        "multicluster.x-k8s.io/serviceimports get,list,watch",
        "/secrets get,list,watch");
  }

  @ParameterizedTest
  @EnumSource(value = Profile.class, names = {"DEFAULT", "DEMO", "MINIMAL", "REMOTE"})
  void everyProfileWithBaseHasTheReaderAccount(Profile profile) {
    List<HasMetadata> objects = render(MeshInstalls.example(profile));
    assertThat(find(objects, io.fabric8.kubernetes.api.model.ServiceAccount.class, "istio-reader-service-account").getMetadata().getNamespace())
        .isEqualTo("istio-system");
    var binding = find(objects, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class, "istio-reader-clusterrole-istio-system");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("istio-reader-service-account"));
    List<String> reader = rules(find(objects, io.fabric8.kubernetes.api.model.rbac.ClusterRole.class, "istio-reader-clusterrole-istio-system"));
    assertThat(reader).contains("/configmaps get,list,watch", "/secrets get,list,watch", "discovery.k8s.io/endpointslices get,list,watch");
    if (profile == Profile.REMOTE) {
      assertThat(reader).as("a primary's istiod writes here").contains(
          "/configmaps create,get,list,watch,update",
          "admissionregistration.k8s.io/mutatingwebhookconfigurations get,list,watch,update,patch",
          "admissionregistration.k8s.io/validatingwebhookconfigurations get,list,watch,update");
    } else {
      assertThat(reader).noneMatch(r -> r.contains("create,get") || r.startsWith("admissionregistration"));
    }
  }

  @Test
  void configValidationGoesToIstiodPerRevisionWithoutCaBundleAndIstiodPatchesOnlyIt() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.DEFAULT));
    var vwcs = objects.stream().filter(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class::cast).toList();
    assertThat(vwcs).extracting(v -> v.getMetadata().getName()).containsExactly("istio-validator-istio-system", "istiod-default-validator");
    assertThat(vwcs).allSatisfy(v -> {
      assertThat(v.getMetadata().getLabels()).containsEntry("istio.io/rev", "default");
      assertThat(v.getWebhooks()).singleElement().satisfies(w -> {
        assertThat(w.getClientConfig().getCaBundle()).isNull();
        assertThat(w.getClientConfig().getService().getName()).isEqualTo("istiod");
        assertThat(w.getClientConfig().getService().getNamespace()).isEqualTo("istio-system");
        assertThat(w.getClientConfig().getService().getPort()).isEqualTo(443);
        assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/validate");
        assertThat(w.getFailurePolicy()).as("fail open until istiod validates").isEqualTo("Ignore");
        assertThat(w.getRules()).singleElement().satisfies(r -> {
          assertThat(r.getOperations()).containsExactly("CREATE", "UPDATE");
          assertThat(r.getApiGroups()).containsExactlyInAnyOrder("security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io");
        });
      });
    });
    assertThat(vwcs.get(0).getWebhooks().get(0).getObjectSelector().getMatchExpressions()).singleElement()
        .satisfies(e -> assertThat(e.getKey() + " " + e.getOperator() + " " + e.getValues()).isEqualTo("istio.io/rev In [default]"));
    assertThat(vwcs.get(1).getWebhooks().get(0).getObjectSelector()).as("the default revision validates unlabelled config").isNull();

    Deployment istiod = find(objects, Deployment.class, "istiod");
    assertThat(env(istiod, "VALIDATION_WEBHOOK_CONFIG_NAME")).contains("istio-validator-istio-system");
    assertThat(env(istiod, "INJECTION_WEBHOOK_CONFIG_NAME")).as("our injector is never istiod's to patch").contains("");
  }

  @Test
  void aRevisionValidatesOnlyItsLabelledConfigAndRemoteHasNoValidation() {
    MeshInstall canary = MeshInstalls.named("canary", Profile.MINIMAL);
    canary.getSpec().setRevision("canary");
    List<HasMetadata> objects = render(canary);
    assertThat(kindAndNames(objects)).filteredOn(n -> n.startsWith("ValidatingWebhookConfiguration/"))
        .containsExactly("ValidatingWebhookConfiguration/istio-validator-canary-istio-system");
    var vwc = find(objects, io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class, "istio-validator-canary-istio-system");
    assertThat(vwc.getWebhooks().get(0).getClientConfig().getService().getName()).isEqualTo("istiod-canary");
    assertThat(vwc.getMetadata().getLabels()).containsEntry("istio.io/rev", "canary");
    assertThat(kindAndNames(render(MeshInstalls.example(Profile.REMOTE)))).noneMatch(n -> n.startsWith("ValidatingWebhookConfiguration/"));
  }

  @Test
  void theEmptyProfileHasNoReader() {
    assertThat(kindAndNames(render(MeshInstalls.example(Profile.EMPTY)))).noneMatch(n -> n.contains("reader"));
  }

  @Test
  void demoAddsEgressAndDropsAutoscalers() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.DEMO));
    Deployment egress = find(objects, Deployment.class, "istio-egressgateway");
    assertThat(egress.getSpec().getReplicas()).isEqualTo(1);
    assertThat(find(objects, Service.class, "istio-egressgateway").getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(find(objects, Service.class, "istio-ingressgateway").getSpec().getPorts()).extracting(ServicePort::getName)
        .containsExactly("status-port", "http2", "https", "tcp", "tls");
    assertThat(kindAndNames(objects)).noneMatch(k -> k.startsWith("HorizontalPodAutoscaler/"));
    Deployment istiod = find(objects, Deployment.class, "istiod");
    assertThat(env(istiod, "PILOT_TRACE_SAMPLING")).contains("100");
    assertThat(istiod.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests())
        .containsEntry("cpu", new io.fabric8.kubernetes.api.model.Quantity("10m"))
        .containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("100Mi"));
    assertThat(find(objects, ConfigMap.class, "istio").getData().get("mesh")).contains("accessLogFile: /dev/stdout").contains("name: otel-tracing");
  }

  @Test
  void minimalHasIstiodButNoGateways() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.MINIMAL));
    assertThat(kindAndNames(objects)).contains("Deployment/istiod", "Service/istiod", "ConfigMap/istio");
    assertThat(objects).extracting(o -> o.getMetadata().getLabels().get(Labels.COMPONENT)).containsOnly("base", "istiod");
    assertThat(kindAndNames(objects)).filteredOn(n -> n.startsWith("Deployment/") || n.startsWith("Service/"))
        .containsExactly("Service/istiod", "Deployment/istiod");
  }

  @Test
  void remoteHasNoIstiodWorkloadButAServicePointingAtTheRemoteAddress() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.REMOTE));
    assertThat(kindAndNames(objects)).noneMatch(n -> n.startsWith("Deployment/"))
        .doesNotContain("ConfigMap/istio", "ServiceAccount/istiod", "ClusterRole/istiod-clusterrole-istio-system")
        .contains("ServiceAccount/istio-reader-service-account", "ClusterRole/istio-reader-clusterrole-istio-system");
    Service istiod = find(objects, Service.class, "istiod");
    assertThat(istiod.getSpec().getSelector()).as("selector-less, endpoints are ours").isNullOrEmpty();
    assertThat(istiod.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactly(15012, 443);
    EndpointSlice slice = find(objects, EndpointSlice.class, "istiod-remote");
    assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "istiod");
    assertThat(slice.getEndpoints().get(0).getAddresses()).containsExactly(MeshInstalls.REMOTE_ADDRESS);
  }

  @Test
  void remoteByHostNameNeedsNoLocalServiceAndProxiesDialTheHost() {
    MeshInstall install = MeshInstalls.example(Profile.REMOTE);
    RemoteSpec remote = new RemoteSpec();
    remote.setAddress("istiod.primary.example.com");
    install.getSpec().setRemote(remote);
    EffectiveConfig config = Profiles.resolve(install);
    assertThat(config.discoveryAddress()).isEqualTo("istiod.primary.example.com:15012");
    assertThat(kindAndNames(renderer.render(config))).noneMatch(n -> n.startsWith("Service/") || n.startsWith("EndpointSlice/"));
  }

  @Test
  void emptyRendersNothingUntilTheUserEnablesSomething() {
    assertThat(render(MeshInstalls.example(Profile.EMPTY))).isEmpty();

    MeshInstall install = MeshInstalls.example(Profile.EMPTY);
    Components components = new Components();
    PilotSpec pilot = new PilotSpec();
    pilot.setEnabled(true);
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(kindAndNames(render(install)))
        .contains("Deployment/istiod", "ClusterRole/istiod-clusterrole-istio-system")
        .noneMatch(n -> n.startsWith("CustomResourceDefinition/"));
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void everyObjectCarriesOurLabelsAndLivesInTheControlPlaneNamespace(Profile profile) {
    MeshInstall install = MeshInstalls.example(profile);
    install.getSpec().setNamespace("mesh-system");
    for (HasMetadata object : render(install)) {
      assertThat(object.getMetadata().getLabels()).as(object.getKind() + "/" + object.getMetadata().getName())
          .containsEntry("app.kubernetes.io/managed-by", "mesh-operator")
          .containsEntry("meshoperator.dev/install", profile.wireName())
          .containsKey("meshoperator.dev/component");
      boolean clusterScoped = List.of("CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration").contains(object.getKind());
      assertThat(object.getMetadata().getNamespace()).as(object.getKind() + "/" + object.getMetadata().getName())
          .isEqualTo(clusterScoped ? null : "mesh-system");
    }
  }

  @Test
  void podTemplatesCarryIstioLabelsButNotTheOperatorsOwn() {
    List<Deployment> deployments = render(MeshInstalls.example(Profile.DEMO)).stream()
        .filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
    assertThat(deployments).hasSize(3).allSatisfy(d -> {
      Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels())
          .containsEntry("sidecar.istio.io/inject", "false")
          .doesNotContainKeys(Labels.MANAGED_BY, Labels.INSTALL, Labels.COMPONENT);
    });
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void neverRendersTheNamespaceNorIstiodsOwnInjector(Profile profile) {
    assertThat(kindAndNames(render(MeshInstalls.example(profile))))
        .noneMatch(n -> n.startsWith("Namespace/"))
        .noneMatch(n -> n.startsWith("MutatingWebhookConfiguration/"))
        .doesNotContain("ConfigMap/istio-sidecar-injector");
  }

  @Test
  void revisionSuffixesNamesAndLabelsEveryRevisionedObject() {
    MeshInstall install = MeshInstalls.named("canary", Profile.DEMO);
    install.getSpec().setRevision("canary");
    List<HasMetadata> objects = render(install);
    assertThat(objects).filteredOn(o -> !o.getKind().equals("CustomResourceDefinition"))
        .allSatisfy(o -> assertThat(o.getMetadata().getName()).matches(".*-canary(-.*)?"));
    assertThat(kindAndNames(objects)).contains(
        "Deployment/istiod-canary", "Service/istiod-canary", "ConfigMap/istio-canary",
        "ClusterRole/istiod-clusterrole-canary-istio-system", "Deployment/istio-egressgateway-canary");
    Deployment istiod = find(objects, Deployment.class, "istiod-canary");
    assertThat(istiod.getSpec().getSelector().getMatchLabels()).containsEntry("istio.io/rev", "canary");
    assertThat(istiod.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("istio.io/rev", "canary");
    assertThat(env(istiod, "REVISION")).contains("canary");
    assertThat(find(objects, ConfigMap.class, "istio-canary").getData().get("mesh")).contains("discoveryAddress: istiod-canary.istio-system.svc:15012");
    Deployment gateway = find(objects, Deployment.class, "istio-ingressgateway-canary");
    assertThat(gateway.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("istio-ingressgateway-canary-service-account");
    assertThat(gateway.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("istio", "ingressgateway").containsEntry("istio.io/rev", "canary");
  }

  @Test
  void defaultRevisionKeepsIstioNamesAndLabelsRevDefault() {
    Deployment istiod = find(render(MeshInstalls.example(Profile.DEFAULT)), Deployment.class, "istiod");
    assertThat(istiod.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("istio.io/rev", "default").containsEntry("app", "istiod").containsEntry("sidecar.istio.io/inject", "false");
    assertThat(env(istiod, "REVISION")).contains("default");
  }

  @Test
  void imagesComeFromHubAndVersion() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    install.getSpec().setHub("registry.example.com/mirror");
    install.getSpec().setVersion("1.30.1");
    List<HasMetadata> objects = render(install);
    assertThat(find(objects, Deployment.class, "istiod").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/mirror/pilot:1.30.1");
    assertThat(find(objects, Deployment.class, "istio-ingressgateway").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/mirror/proxyv2:1.30.1");
  }

  @Test
  void autoscalingOffSetsReplicasAndAGuaranteedSecondPodBringsABudget() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    PilotSpec pilot = new PilotSpec();
    AutoscalingSpec off = new AutoscalingSpec();
    off.setEnabled(false);
    pilot.setAutoscaling(off);
    pilot.setReplicas(3);
    GatewaySpec ingress = new GatewaySpec();
    ingress.setName("istio-ingressgateway");
    AutoscalingSpec atLeastTwo = new AutoscalingSpec();
    atLeastTwo.setMinReplicas(2);
    ingress.setAutoscaling(atLeastTwo);
    Components components = new Components();
    components.setPilot(pilot);
    components.setIngressGateways(List.of(ingress));
    install.getSpec().setComponents(components);

    List<HasMetadata> objects = render(install);
    assertThat(find(objects, Deployment.class, "istiod").getSpec().getReplicas()).isEqualTo(3);
    assertThat(find(objects, Deployment.class, "istio-ingressgateway").getSpec().getReplicas()).as("left to the HPA").isNull();
    assertThat(kindAndNames(objects))
        .doesNotContain("HorizontalPodAutoscaler/istiod")
        .contains("PodDisruptionBudget/istiod", "HorizontalPodAutoscaler/istio-ingressgateway", "PodDisruptionBudget/istio-ingressgateway");
  }

  @Test
  void userEnvReplacesABuiltInVariableInPlaceAndAddsNewOnes() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    PilotSpec pilot = new PilotSpec();
    pilot.setEnv(List.of(
        new EnvVarBuilder().withName("PILOT_ENABLE_ANALYSIS").withValue("true").build(),
        new EnvVarBuilder().withName("EXTRA").withValue("1").build()));
    Components components = new Components();
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    Deployment istiod = find(render(install), Deployment.class, "istiod");
    List<String> names = istiod.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream().map(EnvVar::getName).toList();
    assertThat(env(istiod, "PILOT_ENABLE_ANALYSIS")).contains("true");
    assertThat(names).doesNotHaveDuplicates().endsWith("EXTRA");
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void renderingIsDeterministic(Profile profile) {
    MeshInstall install = MeshInstalls.example(profile);
    List<HasMetadata> first = render(install);
    List<HasMetadata> second = new Renderer().render(Profiles.resolve(MeshInstalls.example(profile)));
    assertThat(second).isEqualTo(first);
    assertThat(GoldenRenderTest.yaml(second)).isEqualTo(GoldenRenderTest.yaml(first));
  }

  @Test
  void renderedObjectsDoNotShareStateWithTheConfig() {
    EffectiveConfig config = Profiles.resolve(MeshInstalls.example(Profile.DEFAULT));
    String before = GoldenRenderTest.yaml(renderer.render(config));
    Deployment istiod = find(renderer.render(config), Deployment.class, "istiod");
    istiod.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().clear();
    istiod.getMetadata().getLabels().put("edited", "by-an-applier");
    assertThat(GoldenRenderTest.yaml(renderer.render(config))).isEqualTo(before);
  }

  @Test
  void extraComponentsAreRenderedAndOrderedWithTheRest() {
    ComponentRenderer webhook = config -> List.of(new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("extra").withNamespace(config.namespace())
            .withLabels(Labels.of(config, "webhook")).build())
        .build());
    List<String> names = kindAndNames(new Renderer(List.of(webhook)).render(Profiles.resolve(MeshInstalls.example(Profile.MINIMAL))));
    assertThat(names).contains("ConfigMap/extra");
    assertThat(names.indexOf("ConfigMap/extra")).as("with the other ConfigMaps, before Services").isLessThan(names.indexOf("Service/istiod"));
  }

  @Test
  void gatewaysGetTheSdsRoleAndTheProxyContract() {
    List<HasMetadata> objects = render(MeshInstalls.example(Profile.DEFAULT));
    Deployment gateway = find(objects, Deployment.class, "istio-ingressgateway");
    var pod = gateway.getSpec().getTemplate().getSpec();
    var proxy = pod.getContainers().get(0);
    assertThat(proxy.getArgs()).startsWith("proxy", "router");
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    assertThat(proxy.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(proxy.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(8080, 8443, 15021, 15090);
    assertThat(proxy.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
    assertThat(proxy.getEnv()).extracting(EnvVar::getName)
        .contains("NODE_NAME", "ISTIO_META_UNPRIVILEGED_POD", "CA_ADDR")
        .doesNotContain("PROXY_CONFIG", "ISTIO_META_POD_PORTS", "GOMAXPROCS");
    assertThat(env(gateway, "ISTIO_META_OWNER")).contains("kubernetes://apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway");
    assertThat(pod.getVolumes()).extracting(v -> v.getName())
        .contains("istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert", "config-volume")
        .doesNotContain("istio-ca-crl");
    var sds = find(objects, io.fabric8.kubernetes.api.model.rbac.Role.class, "istio-ingressgateway-sds");
    assertThat(sds.getRules().get(0).getResources()).containsExactly("secrets");
    assertThat(sds.getRules().get(0).getVerbs()).containsExactlyInAnyOrder("get", "watch", "list");
    assertThat(find(objects, Service.class, "istio-ingressgateway").getSpec().getType()).isEqualTo("LoadBalancer");
  }

  @Test
  void addonsOnlyWhenEnabled() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    assertThat(kindAndNames(render(install))).noneMatch(n -> n.contains("prometheus") || n.contains("grafana"));
    var addons = new dev.meshoperator.api.AddonsSpec();
    var on = new dev.meshoperator.api.AddonSpec();
    on.setEnabled(true);
    addons.setPrometheus(on);
    addons.setGrafana(on);
    install.getSpec().setAddons(addons);
    List<HasMetadata> objects = render(install);
    assertThat(kindAndNames(objects)).contains("Deployment/prometheus", "Service/prometheus", "Deployment/grafana", "ClusterRole/prometheus-istio-system");
    assertThat(find(objects, ConfigMap.class, "grafana").getData().get("datasources.yaml")).contains("url: http://prometheus.istio-system:9090");
  }

  @Test
  void meshConfigMapReflectsTheUserMeshSettings() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    var mesh = new dev.meshoperator.api.MeshConfigSpec();
    mesh.setOutboundTrafficPolicy(dev.meshoperator.api.OutboundTrafficPolicy.REGISTRY_ONLY);
    mesh.setTrustDomain("example.org");
    var proxy = new dev.meshoperator.api.ProxyConfigSpec();
    proxy.setHoldApplicationUntilProxyStarts(true);
    proxy.setProxyMetadata(Map.of("ISTIO_META_DNS_CAPTURE", "true"));
    mesh.setDefaultConfig(proxy);
    install.getSpec().setMeshConfig(mesh);
    List<HasMetadata> objects = render(install);
    assertThat(find(objects, ConfigMap.class, "istio").getData().get("mesh"))
        .contains("mode: REGISTRY_ONLY", "trustDomain: example.org", "holdApplicationUntilProxyStarts: true", "ISTIO_META_DNS_CAPTURE: \"true\"");
    assertThat(env(find(objects, Deployment.class, "istio-ingressgateway"), "TRUST_DOMAIN")).contains("example.org");
  }
}
