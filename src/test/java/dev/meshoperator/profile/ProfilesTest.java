package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.AutoscalingSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshConfigSpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.PilotSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.ServiceSpec;
import dev.meshoperator.api.ServiceType;
import dev.meshoperator.api.SidecarInjectorSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProfilesTest {
  private static MeshInstall withComponents(Profile profile, Components components) {
    MeshInstall install = MeshInstalls.example(profile);
    install.getSpec().setComponents(components);
    return install;
  }

  private static GatewaySpec gateway(String name) {
    GatewaySpec gateway = new GatewaySpec();
    gateway.setName(name);
    return gateway;
  }

  private static List<String> gatewayNames(EffectiveConfig config) {
    return config.gateways().stream().map(g -> g.kind() + "/" + g.name()).toList();
  }

  @Test
  void profilesSelectTheirComponents() {
    EffectiveConfig defaults = Profiles.resolve(MeshInstalls.example(Profile.DEFAULT));
    assertThat(defaults.baseEnabled()).isTrue();
    assertThat(defaults.istiodMode()).isEqualTo(IstiodMode.LOCAL);
    assertThat(gatewayNames(defaults)).containsExactly("INGRESS/istio-ingressgateway");

    assertThat(gatewayNames(Profiles.resolve(MeshInstalls.example(Profile.DEMO))))
        .containsExactly("INGRESS/istio-ingressgateway", "EGRESS/istio-egressgateway");
    assertThat(Profiles.resolve(MeshInstalls.example(Profile.MINIMAL)).gateways()).isEmpty();

    EffectiveConfig remote = Profiles.resolve(MeshInstalls.example(Profile.REMOTE));
    assertThat(remote.istiodMode()).isEqualTo(IstiodMode.REMOTE);
    assertThat(remote.remoteAddress()).contains(MeshInstalls.REMOTE_ADDRESS);
    assertThat(remote.injector().enabled()).as("remote clusters still inject").isTrue();

    EffectiveConfig empty = Profiles.resolve(MeshInstalls.example(Profile.EMPTY));
    assertThat(empty.baseEnabled()).isFalse();
    assertThat(empty.istiodMode()).isEqualTo(IstiodMode.NONE);
    assertThat(empty.injector().enabled()).isFalse();
    assertThat(empty.gateways()).isEmpty();
  }

  @Test
  void demoIsSmallAndVerbose() {
    EffectiveConfig demo = Profiles.resolve(MeshInstalls.example(Profile.DEMO));
    assertThat(demo.mesh().accessLogFile()).isEqualTo("/dev/stdout");
    assertThat(demo.mesh().traceSampling()).isEqualTo(100.0);
    assertThat(demo.pilot().autoscaling().enabled()).isFalse();
    assertThat(demo.pilot().resources().getRequests()).containsEntry("cpu", new Quantity("10m")).containsEntry("memory", new Quantity("100Mi"));
    assertThat(demo.injector().proxyResources().getRequests()).containsEntry("cpu", new Quantity("10m")).containsEntry("memory", new Quantity("40Mi"));
    assertThat(demo.gateways()).allSatisfy(g -> {
      assertThat(g.workload().autoscaling().enabled()).isFalse();
      assertThat(g.workload().resources().getRequests()).containsEntry("memory", new Quantity("40Mi"));
    });
    EffectiveConfig defaults = Profiles.resolve(MeshInstalls.example(Profile.DEFAULT));
    assertThat(defaults.mesh().accessLogFile()).isEmpty();
    assertThat(defaults.mesh().traceSampling()).isEqualTo(1.0);
    assertThat(defaults.pilot().autoscaling()).isEqualTo(new Autoscaling(true, 1, 5, 80));
  }

  @Test
  void userSettingsWinFieldByField() {
    PilotSpec pilot = new PilotSpec();
    pilot.setResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("250m")).addToLimits("memory", new Quantity("4Gi")).build());
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMaxReplicas(9);
    pilot.setAutoscaling(autoscaling);
    pilot.setPodAnnotations(Map.of("team", "mesh"));
    Components components = new Components();
    components.setPilot(pilot);
    MeshInstall install = withComponents(Profile.DEFAULT, components);
    MeshConfigSpec mesh = new MeshConfigSpec();
    mesh.setTraceSampling(5.0);
    install.getSpec().setMeshConfig(mesh);
    SidecarInjectorSpec injector = new SidecarInjectorSpec();
    injector.setFailurePolicy(FailurePolicy.Ignore);
    injector.setNativeSidecar(true);
    install.getSpec().setSidecarInjector(injector);

    EffectiveConfig config = Profiles.resolve(install);
    assertThat(config.pilot().resources().getRequests())
        .as("user cpu wins, profile memory stays")
        .containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("2048Mi"));
    assertThat(config.pilot().resources().getLimits()).containsOnlyKeys("memory");
    assertThat(config.pilot().autoscaling()).isEqualTo(new Autoscaling(true, 1, 9, 80));
    assertThat(config.pilot().podAnnotations()).containsEntry("team", "mesh");
    assertThat(config.mesh().traceSampling()).isEqualTo(5.0);
    assertThat(config.mesh().trustDomain()).isEqualTo("cluster.local");
    assertThat(config.injector().failurePolicy()).contains(FailurePolicy.Ignore);
    assertThat(config.injector().timeoutSeconds()).isEqualTo(10);
    assertThat(config.injector().nativeSidecar()).contains(true);
    assertThat(Profiles.resolve(MeshInstalls.example(Profile.DEFAULT)).injector().nativeSidecar()).isEqualTo(Optional.empty());
  }

  @Test
  void userOverridesDemoAccessLog() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    MeshConfigSpec mesh = new MeshConfigSpec();
    mesh.setAccessLogFile("");
    install.getSpec().setMeshConfig(mesh);
    assertThat(Profiles.resolve(install).mesh().accessLogFile()).isEmpty();
  }

  @Test
  void gatewayListsOverlayByNameAddNewOnesAndDisableExplicitly() {
    GatewaySpec ingress = gateway("istio-ingressgateway");
    ingress.setReplicas(2);
    ServiceSpec service = new ServiceSpec();
    service.setType(ServiceType.NodePort);
    ingress.setService(service);
    GatewaySpec internal = gateway("internal-gateway");
    Components components = new Components();
    components.setIngressGateways(List.of(ingress, internal));
    EffectiveConfig config = Profiles.resolve(withComponents(Profile.DEFAULT, components));

    assertThat(gatewayNames(config)).containsExactly("INGRESS/istio-ingressgateway", "INGRESS/internal-gateway");
    WorkloadConfig overlaid = config.gateways().get(0).workload();
    assertThat(overlaid.replicas()).isEqualTo(2);
    assertThat(overlaid.service().type()).isEqualTo("NodePort");
    assertThat(overlaid.service().ports()).as("profile ports kept").extracting(p -> p.getName()).containsExactly("status-port", "http2", "https");
    assertThat(config.gateways().get(1).workload().service().type()).as("a new ingress gets ingress defaults").isEqualTo("LoadBalancer");

    GatewaySpec off = gateway("istio-ingressgateway");
    off.setEnabled(false);
    Components disable = new Components();
    disable.setIngressGateways(List.of(off));
    assertThat(Profiles.resolve(withComponents(Profile.DEFAULT, disable)).gateways()).isEmpty();

    Components listed = new Components();
    listed.setEgressGateways(List.of(gateway("istio-egressgateway")));
    assertThat(gatewayNames(Profiles.resolve(withComponents(Profile.MINIMAL, listed))))
        .as("listing a gateway enables it").containsExactly("EGRESS/istio-egressgateway");
  }

  @Test
  void pilotCanBeSwitchedOffOrOnOutsideRemote() {
    PilotSpec off = new PilotSpec();
    off.setEnabled(false);
    Components c = new Components();
    c.setPilot(off);
    assertThat(Profiles.resolve(withComponents(Profile.DEFAULT, c)).istiodMode()).isEqualTo(IstiodMode.NONE);
    PilotSpec on = new PilotSpec();
    on.setEnabled(true);
    Components c2 = new Components();
    c2.setPilot(on);
    assertThat(Profiles.resolve(withComponents(Profile.EMPTY, c2)).istiodMode()).isEqualTo(IstiodMode.LOCAL);
  }

  @Test
  void aBudgetOnlyWhenMoreThanOnePodIsGuaranteedUnlessAsked() {
    PilotSpec pilot = new PilotSpec();
    AutoscalingSpec min2 = new AutoscalingSpec();
    min2.setMinReplicas(2);
    pilot.setAutoscaling(min2);
    Components c = new Components();
    c.setPilot(pilot);
    assertThat(Profiles.resolve(MeshInstalls.example(Profile.DEFAULT)).pilot().podDisruptionBudget()).isEmpty();
    assertThat(Profiles.resolve(withComponents(Profile.DEFAULT, c)).pilot().podDisruptionBudget())
        .contains(new PodDisruptionBudgetConfig(new IntOrString(1), null));

    var pdb = new dev.meshoperator.api.PodDisruptionBudgetSpec();
    pdb.setEnabled(true);
    pdb.setMaxUnavailable(new IntOrString("50%"));
    PilotSpec forced = new PilotSpec();
    forced.setPodDisruptionBudget(pdb);
    Components c2 = new Components();
    c2.setPilot(forced);
    assertThat(Profiles.resolve(withComponents(Profile.DEMO, c2)).pilot().podDisruptionBudget())
        .contains(new PodDisruptionBudgetConfig(null, new IntOrString("50%")));
  }

  @Test
  void resolveToleratesABareSpecAndMissingName() {
    EffectiveConfig config = Profiles.resolve(new MeshInstall());
    assertThat(config.installName()).isEqualTo(Profiles.UNNAMED);
    assertThat(config.profile()).isEqualTo(Profile.DEFAULT);
    assertThat(config.namespace()).isEqualTo("istio-system");
    assertThat(config.images().pilot()).isEqualTo("docker.io/istio/pilot:" + IstioVersions.defaultVersion());
    assertThat(Profiles.resolve("x", null).revision()).isEqualTo(Revision.DEFAULT);
  }

  @Test
  void resolvedConfigDoesNotAliasTheSpec() {
    PilotSpec pilot = new PilotSpec();
    pilot.setResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("1")).build());
    Components c = new Components();
    c.setPilot(pilot);
    MeshInstall install = withComponents(Profile.DEFAULT, c);
    EffectiveConfig config = Profiles.resolve(install);
    pilot.getResources().getRequests().put("cpu", new Quantity("7"));
    assertThat(config.pilot().resources().getRequests()).containsEntry("cpu", new Quantity("1"));
    assertThat(Profiles.resolve(install)).as("resolve is a function of the spec").isNotEqualTo(config);
  }

  @Test
  void discoveryAddressFollowsRevisionAndNamespace() {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setRevision("1-31");
    install.getSpec().setNamespace("mesh");
    assertThat(Profiles.resolve(install).discoveryAddress()).isEqualTo("istiod-1-31.mesh.svc:15012");
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setRevision("");
    assertThat(Profiles.resolve("x", spec).revision().isDefault()).isTrue();
  }

  @Test
  void newGatewaysGetPortsAndDemoPortsOnlyInDemo() {
    Components c = new Components();
    c.setIngressGateways(List.of(gateway("edge")));
    WorkloadConfig edge = Profiles.resolve(withComponents(Profile.EMPTY, c)).gateways().get(0).workload();
    assertThat(edge.service().ports()).extracting(p -> p.getPort()).containsExactly(15021, 80, 443);
    GatewaySpec custom = gateway("edge");
    ServiceSpec service = new ServiceSpec();
    service.setPorts(List.of(new ServicePortBuilder().withName("http").withPort(8080).build()));
    custom.setService(service);
    c.setIngressGateways(List.of(custom));
    assertThat(Profiles.resolve(withComponents(Profile.EMPTY, c)).gateways().get(0).workload().service().ports())
        .extracting(p -> p.getPort()).containsExactly(8080);
  }
}
