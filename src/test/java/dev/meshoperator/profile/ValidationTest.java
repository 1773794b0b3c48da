package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.AutoscalingSpec;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.PilotSpec;
import dev.meshoperator.api.PodDisruptionBudgetSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RemoteSpec;
import dev.meshoperator.api.ServiceSpec;
import dev.meshoperator.api.SidecarInjectorSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ValidationTest {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static MeshInstall withGateways(Profile profile, GatewaySpec... ingress) {
    MeshInstall install = MeshInstalls.example(profile);
    Components components = new Components();
    components.setIngressGateways(new ArrayList<>(Arrays.asList(ingress)));
    install.getSpec().setComponents(components);
    return install;
  }

  private static GatewaySpec gateway(String name) {
    GatewaySpec gateway = new GatewaySpec();
    gateway.setName(name);
    return gateway;
  }

  private static List<String> messages(MeshInstall install) {
    return Profiles.validate(install).stream().map(Problem::toString).toList();
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"1.29.6", "1.30", "latest", "2.0.0", "1.300.1"})
  void anUnsupportedVersionIsRefusedNamingTheSupportedOnes(String version) {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setVersion(version);
    assertThat(Profiles.validate(install)).singleElement().satisfies(p -> {
      assertThat(p.field()).isEqualTo("spec.version");
      assertThat(p.reason()).contains("'" + version + "'", IstioVersions.describeSupported());
    });
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"1.30.0", "1.30.3", "1.30.12", "1.30.3-distroless"})
  void anyPatchOfASupportedMinorIsAccepted(String version) {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setVersion(version);
    assertThat(Profiles.validate(install)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void everyExampleIsValid(Profile profile) {
    assertThat(Profiles.validate(MeshInstalls.example(profile))).isEmpty();
  }

  @Test
  void injectionTemplatesAreCheckedByNameAndShape() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    dev.meshoperator.api.SidecarInjectorSpec injector = new dev.meshoperator.api.SidecarInjectorSpec();
    dev.meshoperator.api.InjectionTemplateSpec good = new dev.meshoperator.api.InjectionTemplateSpec();
    good.setLabels(java.util.Map.of("team", "shop"));
    good.setSpec(JSON.valueToTree(java.util.Map.of("containers", List.of(java.util.Map.of("name", "istio-proxy")))));
    dev.meshoperator.api.InjectionTemplateSpec unnamed = new dev.meshoperator.api.InjectionTemplateSpec();
    unnamed.setSpec(JSON.valueToTree(java.util.Map.of("containers", List.of(java.util.Map.of("image", "x")))));
    dev.meshoperator.api.InjectionTemplateSpec notASpec = new dev.meshoperator.api.InjectionTemplateSpec();
    notASpec.setSpec(JSON.valueToTree(java.util.Map.of("containers", "not a list")));
    injector.setTemplates(new java.util.TreeMap<>(java.util.Map.of(
        "team-defaults", good, "gateway", good, "Bad_Name", good, "unnamed", unnamed, "broken", notASpec)));
    install.getSpec().setSidecarInjector(injector);

    assertThat(messages(install)).containsExactlyInAnyOrder(
        "spec.sidecarInjector.templates.Bad_Name: the name 'Bad_Name' is not a DNS label (pods list it in inject.istio.io/templates)",
        "spec.sidecarInjector.templates.gateway: 'gateway' is a built-in template (sidecar, gateway, grpc-simple, grpc-agent); give yours another name and list both in inject.istio.io/templates",
        "spec.sidecarInjector.templates.unnamed.spec.containers[0].name: is required",
        org.assertj.core.api.Assertions.assertThat(messages(install)).filteredOn(m -> m.startsWith("spec.sidecarInjector.templates.broken.spec: is not a PodSpec fragment")).hasSize(1).actual().get(0));
  }

  @Test
  void malformedQuantitiesAreNamedByField() {
    // The CRD cannot check int-or-string quantities; the API server would refuse every pod or
    // Deployment carrying one, so the spec is refused instead (issue 12).
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("lots"))
        .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("128Mi"))
        .addToLimits("cpu", new io.fabric8.kubernetes.api.model.Quantity("-1"))
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("1.5e3")).build());
    install.getSpec().setSidecarInjector(injector);
    PilotSpec pilot = new PilotSpec();
    pilot.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("1.2.3")).build());
    Components components = new Components();
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(messages(install)).containsExactlyInAnyOrder(
        "spec.components.pilot.resources.requests.cpu: '1.2.3' is not a quantity (e.g. 100m, 0.5, 128Mi, 1G)",
        "spec.sidecarInjector.resources.requests.cpu: 'lots' is not a quantity (e.g. 100m, 0.5, 128Mi, 1G)",
        "spec.sidecarInjector.resources.limits.cpu: '-1' is not a quantity (e.g. 100m, 0.5, 128Mi, 1G)");
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements resources(Map<String, String> requests, Map<String, String> limits) {
    var builder = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder();
    new java.util.TreeMap<>(requests).forEach((k, v) -> builder.addToRequests(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
    new java.util.TreeMap<>(limits).forEach((k, v) -> builder.addToLimits(k, new io.fabric8.kubernetes.api.model.Quantity(v)));
    return builder.build();
  }

  /** The default profile's install with these sidecar requests and limits, and what validation says. */
  private static List<String> sidecarResourceMessages(Map<String, String> requests, Map<String, String> limits) {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setResources(resources(requests, limits));
    install.getSpec().setSidecarInjector(injector);
    return messages(install);
  }

  @Test
  void resourceNamesAContainerCannotAskForAreNamedByField() {
    // Each of these made the API server refuse every injected pod while the status said Applied.
    assertThat(sidecarResourceMessages(
        Map.of("cpuu", "10m", "pods", "1", "Example.com/gpu", "1", "requests.example.com/gpu", "1"),
        Map.of("example.com/fpga", "0.5", "hugepages-2Mi", "3Mi", "hugepages-big", "4Mi", "memory", "1Gi"))).containsExactly(
        "spec.sidecarInjector.resources.requests: key 'Example.com/gpu' is not a resource name: prefix 'Example.com' must be a"
            + " lowercase DNS subdomain (e.g. 'example.com'), at most 253 characters",
        "spec.sidecarInjector.resources.requests: key 'cpuu' is not a container resource: cpu, memory, ephemeral-storage or"
            + " hugepages-<size>, or an extended resource such as example.com/gpu",
        "spec.sidecarInjector.resources.requests: key 'pods' is not a container resource: cpu, memory, ephemeral-storage or"
            + " hugepages-<size>, or an extended resource such as example.com/gpu",
        "spec.sidecarInjector.resources.requests: key 'requests.example.com/gpu' is not an extended resource name (a domain,"
            + " '/', a name; not starting with 'requests.')",
        "spec.sidecarInjector.resources.limits.example.com/fpga: '0.5' must be a whole number: example.com/fpga is an"
            + " extended resource",
        "spec.sidecarInjector.resources.limits.hugepages-2Mi: '3Mi' is not a whole number of 2Mi pages",
        "spec.sidecarInjector.resources.limits: key 'hugepages-big' is not a huge page size: hugepages-<size>, such as"
            + " hugepages-2Mi");
  }

  @Test
  void aRequestAboveItsLimitIsNamedWhereverEitherComesFromTheProfile() {
    // The default profile gives the proxy 100m/128Mi requests and 2000m/1024Mi limits, gateways the same.
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setResources(resources(Map.of("memory", "2Gi"), Map.of("cpu", "50m")));
    install.getSpec().setSidecarInjector(injector);
    GatewaySpec ingress = gateway("istio-ingressgateway");
    ingress.setResources(resources(Map.of("cpu", "3", "memory", "1Gi"), Map.of("cpu", "2")));
    Components components = new Components();
    components.setIngressGateways(new ArrayList<>(List.of(ingress)));
    install.getSpec().setComponents(components);
    assertThat(messages(install)).containsExactly(
        "spec.components.ingressGateways[0].resources.requests.cpu: the request 3 and the limit 2: a request cannot exceed"
            + " its limit",
        "spec.sidecarInjector.resources.limits.cpu: the request 100m (the profile's) and the limit 50m: a request cannot"
            + " exceed its limit",
        "spec.sidecarInjector.resources.requests.memory: the request 2Gi and the limit 1024Mi (the profile's): a request"
            + " cannot exceed its limit");
  }

  @Test
  void extendedResourcesAndHugePagesCannotBeOvercommitted() {
    assertThat(sidecarResourceMessages(
        Map.of("example.com/gpu", "1", "example.com/fpga", "1", "hugepages-2Mi", "2Mi"),
        Map.of("example.com/fpga", "2", "example.com/nic", "2", "hugepages-2Mi", "4Mi"))).containsExactly(
        "spec.sidecarInjector.resources.requests.example.com/fpga: the request 1 and the limit 2 must be equal:"
            + " example.com/fpga cannot be overcommitted",
        "spec.sidecarInjector.resources.requests.example.com/gpu: example.com/gpu cannot be overcommitted: set"
            + " limits.example.com/gpu equal to the request",
        "spec.sidecarInjector.resources.requests.hugepages-2Mi: the request 2Mi and the limit 4Mi must be equal:"
            + " hugepages-2Mi cannot be overcommitted");
  }

  @Test
  void resourcesKubernetesAcceptsPassIncludingALimitAloneAndEqualQuantitiesSpelledDifferently() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setResources(resources(
        Map.of("cpu", "2", "memory", "1Gi", "ephemeral-storage", "1G", "hugepages-1Gi", "2Gi", "example.com/fpga", "1"),
        Map.of("cpu", "2e0", "memory", "1024Mi", "example.com/gpu", "4", "example.com/fpga", "1.0",
            "hugepages-1Gi", "2048Mi", "kubernetes.io/batch-cpu", "1")));
    install.getSpec().setSidecarInjector(injector);
    PilotSpec pilot = new PilotSpec();
    pilot.setResources(resources(Map.of(), Map.of("cpu", "500m", "memory", "2Gi")));
    CniSpec cni = new CniSpec();
    cni.setResources(resources(Map.of("cpu", "0.0000000001"), Map.of("memory", "100Mi")));
    Components components = new Components();
    components.setPilot(pilot);
    components.setCni(cni);
    install.getSpec().setComponents(components);
    assertThat(messages(install)).isEmpty();
  }

  @Test
  void istiodAndTheCniAgentAreHeldToTheSameRules() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    PilotSpec pilot = new PilotSpec();
    // The default profile's istiod asks for 500m and 2048Mi and has no limits.
    pilot.setResources(resources(Map.of(), Map.of("memory", "1Gi")));
    CniSpec cni = new CniSpec();
    cni.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder(resources(Map.of("storage", "1Gi"), Map.of()))
        .addNewClaim().withName("gpu").endClaim().build());
    Components components = new Components();
    components.setPilot(pilot);
    components.setCni(cni);
    install.getSpec().setComponents(components);
    assertThat(messages(install)).containsExactly(
        "spec.components.pilot.resources.limits.memory: the request 2048Mi (the profile's) and the limit 1Gi: a request"
            + " cannot exceed its limit",
        "spec.components.cni.resources.requests: key 'storage' is not a container resource: cpu, memory, ephemeral-storage"
            + " or hugepages-<size>, or an extended resource such as example.com/gpu",
        "spec.components.cni.resources.claims: resource claims cannot be set here: the pods they would go into declare no"
            + " resourceClaims to refer to");
  }

  @Test
  void environmentVariableNamesAreCheckedAsKubernetesChecksThem() {
    // proxyMetadata keys become variables of every gateway's proxy; a name the API server refuses
    // would fail the gateway's apply. The relaxed rule of every supported Kubernetes: printable
    // ASCII, no '=' (so a space, a leading digit or a dot are fine).
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    dev.meshoperator.api.MeshConfigSpec mesh = new dev.meshoperator.api.MeshConfigSpec();
    dev.meshoperator.api.ProxyConfigSpec proxy = new dev.meshoperator.api.ProxyConfigSpec();
    proxy.setProxyMetadata(Map.of("ISTIO_META_DNS_CAPTURE", "true", "A=B", "x", "1st.var name", "ok", "TAB\tNAME", "x"));
    mesh.setDefaultConfig(proxy);
    install.getSpec().setMeshConfig(mesh);
    PilotSpec pilot = new PilotSpec();
    pilot.setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVar("PILOT=X", "1", null),
        new io.fabric8.kubernetes.api.model.EnvVar("PILOT_TRACE_SAMPLING", "1", null)));
    Components components = new Components();
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(messages(install)).containsExactly(
        "spec.components.pilot.env[0].name: 'PILOT=X' is not an environment variable name: must consist of printable ASCII"
            + " characters other than '='",
        "spec.meshConfig.defaultConfig.proxyMetadata: key 'A=B' is not an environment variable name: must consist of"
            + " printable ASCII characters other than '='",
        "spec.meshConfig.defaultConfig.proxyMetadata: key 'TAB\tNAME' is not an environment variable name: must consist of"
            + " printable ASCII characters other than '='");
  }

  @Test
  void templateContainersAreHeldToTheContainerRules() {
    // A template's containers are merged into every pod that lists it; what the API server refuses
    // there, it refuses in each such pod.
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    var template = new dev.meshoperator.api.InjectionTemplateSpec();
    template.setSpec(JSON.valueToTree(Map.of(
        "containers", List.of(Map.of("name", "istio-proxy",
            "resources", Map.of("requests", Map.of("cpu", "1", "gpu", "1"), "limits", Map.of("cpu", "500m")),
            "env", List.of(Map.of("name", "OK_NAME", "value", "1"), Map.of("name", "NOT=OK", "value", "1")))),
        "initContainers", List.of(Map.of("name", "setup", "image", "busybox",
            "resources", Map.of("requests", Map.of("memory", "1Gi")))))));
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setTemplates(Map.of("team-defaults", template));
    install.getSpec().setSidecarInjector(injector);
    String at = "spec.sidecarInjector.templates.team-defaults.spec.containers[0]";
    assertThat(messages(install)).containsExactly(
        at + ".resources.requests: key 'gpu' is not a container resource: cpu, memory, ephemeral-storage or"
            + " hugepages-<size>, or an extended resource such as example.com/gpu",
        at + ".env[1].name: 'NOT=OK' is not an environment variable name: must consist of printable ASCII characters"
            + " other than '='");
    template.setSpec(JSON.valueToTree(Map.of("containers", List.of(Map.of("name", "istio-proxy",
        "resources", Map.of("requests", Map.of("cpu", "1"), "limits", Map.of("cpu", "500m")))))));
    assertThat(messages(install)).containsExactly(
        at + ".resources.requests.cpu: the request 1 and the limit 500m: a request cannot exceed its limit");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"docker.io/istio", "istio", "gcr.io/istio-release",
      "registry.example.com:5000/team/istio", "localhost/istio", "localhost:5000/a__b/c.d/e-f", "Registry.Example.com/istio",
      "[fd00::1]:5000/istio", "MyRegistry/istio", "127.0.0.1:5000/mesh"})
  void hubsTheRuntimeCanNameImagesUnderPass(String hub) {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setHub(hub);
    assertThat(messages(install)).isEmpty();
  }

  @Test
  void hubsTheRuntimeCannotNameImagesUnderAreRefusedNamingThePart() {
    // The API server admits a pod whose image the runtime cannot parse; it never starts (InvalidImageName).
    java.util.function.Function<String, List<String>> check = hub -> {
      MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
      install.getSpec().setHub(hub);
      return messages(install);
    };
    assertThat(check.apply("docker.io/Istio")).containsExactly("spec.hub: 'docker.io/Istio' cannot name images such as"
        + " docker.io/Istio/proxyv2: path component 'Istio' must be lower case letters and digits, with '.', '_', '__' or"
        + " '-' between them");
    assertThat(check.apply("docker.io//istio")).singleElement().asString().endsWith("has an empty path component (a leading,"
        + " doubled or trailing '/')");
    assertThat(check.apply("registry_1.example.com/istio")).singleElement().asString()
        .endsWith("registry 'registry_1.example.com' is not a host name or [IPv6 address], with an optional :port");
    assertThat(check.apply("docker.io/team-/istio")).singleElement().asString().contains("path component 'team-'");
    assertThat(check.apply("r.io/" + "a".repeat(250))).singleElement().asString()
        .endsWith("is too long: an image name under it would exceed 255 characters");
    MeshInstall cni = MeshInstalls.example(Profile.MINIMAL);
    Components components = new Components();
    CniSpec spec = new CniSpec();
    spec.setHub("quay.io/Mesh");
    components.setCni(spec);
    cni.getSpec().setComponents(components);
    assertThat(messages(cni)).singleElement().asString().startsWith("spec.components.cni.hub: 'quay.io/Mesh' cannot name"
        + " images such as quay.io/Mesh/install-cni: path component 'Mesh'");
  }

  @Test
  void listsLongerThanTheSchemaAllowsAreNamed() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    List<io.fabric8.kubernetes.api.model.LabelSelector> selectors = new ArrayList<>();
    for (int i = 0; i <= dev.meshoperator.api.SpecLimits.SELECTORS; i++) {
      selectors.add(new LabelSelectorBuilder().addToMatchLabels("k", "v" + i).build());
    }
    injector.setNeverInjectSelector(selectors);
    install.getSpec().setSidecarInjector(injector);
    assertThat(messages(install)).containsExactly("spec.sidecarInjector.neverInjectSelector: has 33 items, more than the limit of 32");
  }

  @Test
  void autoscalingBoundsNameTheGateway() {
    GatewaySpec gateway = gateway("istio-ingressgateway");
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(5);
    autoscaling.setMaxReplicas(2);
    gateway.setAutoscaling(autoscaling);
    assertThat(messages(withGateways(Profile.DEFAULT, gateway)))
        .containsExactly("spec.components.ingressGateways[0].autoscaling: minReplicas 5 is greater than maxReplicas 2");
  }

  @Test
  void autoscalingMinAboveTheProfilesMaxIsCaught() {
    PilotSpec pilot = new PilotSpec();
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(7);
    pilot.setAutoscaling(autoscaling);
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    Components components = new Components();
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(messages(install)).containsExactly("spec.components.pilot.autoscaling: minReplicas 7 is greater than maxReplicas 5");
  }

  @Test
  void duplicateGatewayNamesAcrossKinds() {
    MeshInstall install = withGateways(Profile.DEFAULT, gateway("edge"));
    install.getSpec().getComponents().setEgressGateways(List.of(gateway("edge")));
    assertThat(messages(install)).containsExactly(
        "spec.components.egressGateways[0].name: 'edge' is already used by spec.components.ingressGateways[0]; gateway names share one namespace");
  }

  @Test
  void remoteProfileNeedsAnAddress() {
    MeshInstall install = MeshInstalls.example(Profile.REMOTE);
    install.getSpec().setRemote(null);
    assertThat(messages(install)).containsExactly("spec.remote.address: the remote profile needs the address of the external istiod");
  }

  @Test
  void remoteAddressMustBeBare() {
    MeshInstall install = MeshInstalls.example(Profile.REMOTE);
    RemoteSpec remote = new RemoteSpec();
    remote.setAddress("https://istiod.example.com:15012");
    install.getSpec().setRemote(remote);
    assertThat(Profiles.validate(install)).extracting(Problem::field).containsExactly("spec.remote.address");
  }

  @Test
  void remoteProfileCannotEnableALocalIstiod() {
    MeshInstall install = MeshInstalls.example(Profile.REMOTE);
    Components components = new Components();
    PilotSpec pilot = new PilotSpec();
    pilot.setEnabled(true);
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(Profiles.validate(install)).extracting(Problem::field).containsExactly("spec.components.pilot.enabled");
  }

  @Test
  void enabledGatewayWithoutPortsIsReportedDisabledOneIsNot() {
    GatewaySpec gateway = gateway("istio-ingressgateway");
    ServiceSpec service = new ServiceSpec();
    service.setPorts(List.of());
    gateway.setService(service);
    assertThat(messages(withGateways(Profile.DEFAULT, gateway)))
        .containsExactly("spec.components.ingressGateways[0].service.ports: an enabled gateway needs at least one Service port");
    gateway.setEnabled(false);
    assertThat(messages(withGateways(Profile.DEFAULT, gateway))).isEmpty();
  }

  @Test
  void duplicateAndUnnamedServicePorts() {
    GatewaySpec gateway = gateway("edge");
    ServiceSpec service = new ServiceSpec();
    service.setPorts(List.of(
        new ServicePortBuilder().withName("http").withPort(80).build(),
        new ServicePortBuilder().withName("http").withPort(80).build(),
        new ServicePortBuilder().withPort(81).build()));
    gateway.setService(service);
    assertThat(messages(withGateways(Profile.DEFAULT, gateway))).containsExactly(
        "spec.components.ingressGateways[0].service.ports[1].port: port 80 is already used by ports[0]",
        "spec.components.ingressGateways[0].service.ports[1].name: 'http' is already used by ports[0]",
        "spec.components.ingressGateways[0].service.ports[2].name: is required when a Service has more than one port");
  }

  @Test
  void gatewayNamesMustStayValidServiceNamesWithTheRevisionSuffix() {
    MeshInstall install = withGateways(Profile.DEFAULT, gateway("9gw"), gateway(null));
    assertThat(Profiles.validate(install)).extracting(Problem::field)
        .containsExactly("spec.components.ingressGateways[0].name", "spec.components.ingressGateways[1].name");
  }

  @Test
  void pilotServicePortsAreFixed() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    PilotSpec pilot = new PilotSpec();
    ServiceSpec service = new ServiceSpec();
    service.setPorts(List.of(new ServicePortBuilder().withName("x").withPort(1).build()));
    pilot.setService(service);
    Components components = new Components();
    components.setPilot(pilot);
    install.getSpec().setComponents(components);
    assertThat(Profiles.validate(install)).extracting(Problem::field).containsExactly("spec.components.pilot.service.ports");
  }

  @Test
  void budgetTakesOneOfMinAvailableAndMaxUnavailable() {
    GatewaySpec gateway = gateway("istio-ingressgateway");
    PodDisruptionBudgetSpec pdb = new PodDisruptionBudgetSpec();
    pdb.setMinAvailable(new IntOrString(1));
    pdb.setMaxUnavailable(new IntOrString(1));
    gateway.setPodDisruptionBudget(pdb);
    assertThat(messages(withGateways(Profile.DEFAULT, gateway)))
        .containsExactly("spec.components.ingressGateways[0].podDisruptionBudget: set minAvailable or maxUnavailable, not both");
  }

  @Test
  void injectorSelectorsAndBoundsAreChecked() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setTimeoutSeconds(31);
    injector.setNeverInjectSelector(List.of(new LabelSelectorBuilder()
        .addNewMatchExpression().withKey("app").withOperator("In").endMatchExpression()
        .addNewMatchExpression().withKey("tier").withOperator("Equals").withValues("x").endMatchExpression()
        .build()));
    install.getSpec().setSidecarInjector(injector);
    assertThat(messages(install)).containsExactly(
        "spec.sidecarInjector.timeoutSeconds: 31 is outside 1..30 (the API server's limit for webhooks)",
        "spec.sidecarInjector.neverInjectSelector[0].matchExpressions[0].values: operator In needs at least one value",
        "spec.sidecarInjector.neverInjectSelector[0].matchExpressions[1].operator: 'Equals' must be one of In, NotIn, Exists, DoesNotExist");
  }

  @Test
  void nameMustFitALabelValue() {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.setMetadata(new ObjectMetaBuilder().withName("m".repeat(64)).build());
    assertThat(Profiles.validate(install)).extracting(Problem::field).containsExactly("metadata.name");
  }

  @Test
  void tooLongRevisionIsReported() {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setRevision("r".repeat(60));
    assertThat(Profiles.validate(install)).extracting(Problem::field).containsExactly("spec.revision");
  }

  @Test
  void validationNeverThrowsOnSparseInput() {
    assertThat(Profiles.validate(new MeshInstall())).isEmpty();
    assertThat(Profiles.validate((MeshInstallSpec) null)).isEmpty();
    MeshInstall install = withGateways(Profile.DEFAULT, (GatewaySpec) null);
    assertThat(Profiles.validate(install)).extracting(Problem::toString).containsExactly("spec.components.ingressGateways[0]: must not be null");
  }

  @Test
  void injectedAnnotationKeysMustBeWhatTheApiServerTakesOnAPod() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    // Upper case is fine in an annotation key's prefix (checked in lower case, as the API server does).
    injector.setInjectedAnnotations(new java.util.LinkedHashMap<>(java.util.Map.of("bad key!", "x",
        "Example.COM/Team", "mesh", "example.com/a/b", "y", "sidecar.istio.io/status-note", "")));
    install.getSpec().setSidecarInjector(injector);
    assertThat(messages(install)).containsExactly(
        "spec.sidecarInjector.injectedAnnotations: key 'bad key!' is not an annotation key: name part must consist of"
            + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        "spec.sidecarInjector.injectedAnnotations: key 'example.com/a/b' is not an annotation key: may hold at most one"
            + " '/', between a DNS subdomain prefix and a name (e.g. 'example.com/my-name')");
  }

  @Test
  void podLabelsNodeSelectorsAnnotationsAndTemplateMetadataAreChecked() {
    PilotSpec pilot = new PilotSpec();
    pilot.setNodeSelector(java.util.Map.of("kubernetes.io/os", "linux", "zone", "not ok!"));
    pilot.setPodLabels(java.util.Map.of("Example.com/team", "mesh", "empty-value", ""));
    pilot.setPodAnnotations(java.util.Map.of("x".repeat(64), "long name"));
    ServiceSpec service = new ServiceSpec();
    service.setAnnotations(java.util.Map.of("/no-prefix", "v"));
    pilot.setService(service);
    GatewaySpec gateway = gateway("ingressgateway");
    gateway.setNodeSelector(java.util.Map.of("ok", "y".repeat(64)));
    MeshInstall install = withGateways(Profile.DEFAULT, gateway);
    install.getSpec().getComponents().setPilot(pilot);
    var template = new dev.meshoperator.api.InjectionTemplateSpec();
    template.setLabels(java.util.Map.of("team", "-mesh"));
    template.setAnnotations(java.util.Map.of("", "v"));
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setTemplates(java.util.Map.of("team-defaults", template));
    install.getSpec().setSidecarInjector(injector);

    assertThat(messages(install)).containsExactlyInAnyOrder(
        "spec.components.pilot.service.annotations: key '/no-prefix' is not an annotation key: has an empty prefix before '/'",
        "spec.components.pilot.podLabels: key 'Example.com/team' is not a label key: prefix 'Example.com' must be a"
            + " lowercase DNS subdomain (e.g. 'example.com'), at most 253 characters",
        "spec.components.pilot.nodeSelector.zone: 'not ok!' is not a label value: must be empty or consist of"
            + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        "spec.components.pilot.podAnnotations: key '" + "x".repeat(64) + "' is not an annotation key: name part must be"
            + " no more than 63 characters",
        "spec.components.ingressGateways[0].nodeSelector.ok: '" + "y".repeat(64) + "' is not a label value: must be no"
            + " more than 63 characters",
        "spec.sidecarInjector.templates.team-defaults.labels.team: '-mesh' is not a label value: must be empty or consist"
            + " of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        "spec.sidecarInjector.templates.team-defaults.annotations: key '' is not an annotation key: must not be empty");
  }

  @Test
  void keysAndValuesKubernetesTakesAreTaken() {
    for (String key : List.of("a", "app.kubernetes.io/name", "Team_1.x", "x".repeat(63), "a.b-c.d/" + "N".repeat(63),
        "k8s.io/0", "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61) + "/n")) {
      assertThat(KubeNames.labelKeyProblem(key)).as(key).isEmpty();
      assertThat(KubeNames.annotationKeyProblem(key)).as(key).isEmpty();
    }
    for (String value : List.of("", "v", "V-1_2.3", "z".repeat(63))) {
      assertThat(KubeNames.labelValueProblem(value)).as(value).isEmpty();
    }
    for (String key : List.of("-a", "a-", "a b", "a/", "/a", "a/b/c", "A.com/x", "a_b.com/x", "x".repeat(64),
        "a".repeat(254) + "/n")) {
      assertThat(KubeNames.labelKeyProblem(key)).as(key).isPresent();
    }
    assertThat(KubeNames.annotationKeyProblem("A.com/x")).as("annotation keys are checked in lower case").isEmpty();
    for (String value : List.of("-v", "v.", "a b", "z".repeat(64))) {
      assertThat(KubeNames.labelValueProblem(value)).as(value).isPresent();
    }
  }
}
