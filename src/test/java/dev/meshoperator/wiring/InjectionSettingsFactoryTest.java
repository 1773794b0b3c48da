package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.NativeSidecarMode;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InjectionSettingsFactoryTest {

  private static EffectiveConfig full() throws IOException {
    try (InputStream in = InjectionSettingsFactoryTest.class.getResourceAsStream("/meshinstalls/full.yaml")) {
      return Profiles.resolve(new KubernetesSerialization().unmarshal(in, MeshInstall.class));
    }
  }

  @Test
  void defaultProfileMatchesTheInjectorsOwnDefaults() {
    EffectiveConfig config = Profiles.resolve(MeshInstalls.example(Profile.DEFAULT));

    InjectionSettings s = InjectionSettingsFactory.from(config, false);

    // The injector's built-in defaults are Istio's; the default profile must not differ from them.
    assertThat(s).isEqualTo(InjectionSettings.defaults());
  }

  @Test
  void carriesRevisionNamespaceCaAddressAndImage() throws IOException {
    InjectionSettings s = InjectionSettingsFactory.from(full(), true);

    assertThat(s.revision()).isEqualTo("canary");
    assertThat(s.revisionName()).isEqualTo("canary");
    assertThat(s.controlPlaneNamespace()).isEqualTo("mesh-system");
    assertThat(s.caAddress()).isEqualTo("istiod-canary.mesh-system.svc:15012");
    assertThat(s.proxyImage()).isEqualTo("registry.example.com/istio/proxyv2:1.30.3");
    assertThat(s.trustDomain()).isEqualTo("example.org");
    assertThat(s.clusterDomain()).isEqualTo("cluster.local");
  }

  @Test
  void userTemplatesReachTheInjectorAndAPodCanAskForThem() {
    MeshInstall install = new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: t}
        spec:
          sidecarInjector:
            templates:
              team-defaults:
                labels: {team: shop}
                spec:
                  containers:
                  - name: istio-proxy
                    env: [{name: ISTIO_META_TEAM, value: shop}]
        """, MeshInstall.class);
    InjectionSettings s = InjectionSettingsFactory.from(Profiles.resolve(install), false);
    assertThat(s.templates()).containsOnlyKeys("team-defaults");

    io.fabric8.kubernetes.api.model.Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("p").withNamespace("ns")
          .addToAnnotations("inject.istio.io/templates", "sidecar,team-defaults").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec().build();
    var result = dev.meshoperator.inject.SidecarInjector.inject(pod, s);
    assertThat(result.errors()).isEmpty();
    assertThat(result.pod().getMetadata().getLabels()).containsEntry("team", "shop");
    var proxy = result.pod().getSpec().getContainers().stream().filter(c -> c.getName().equals("istio-proxy")).findFirst().orElseThrow();
    assertThat(proxy.getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("ISTIO_META_TEAM=shop"));

    // without the template in the MeshInstall, the same pod is refused naming it
    var refused = dev.meshoperator.inject.SidecarInjector.inject(pod, InjectionSettings.defaults());
    assertThat(refused.errors()).containsExactly("annotation inject.istio.io/templates: \"sidecar,team-defaults\""
        + " names template team-defaults, which this injector does not have (known: sidecar, gateway, grpc-simple, grpc-agent)");
  }

  @Test
  void carriesInjectorKnobs() throws IOException {
    InjectionSettings s = InjectionSettingsFactory.from(full(), false);

    assertThat(s.nativeSidecar()).isEqualTo(NativeSidecarMode.ON);
    assertThat(s.nativeSidecarsByDefault()).isTrue();
    assertThat(s.rewriteAppHTTPProbers()).isFalse();
    assertThat(s.holdApplicationUntilProxyStarts()).isTrue();
    assertThat(s.neverInjectSelector()).singleElement()
        .satisfies(sel -> assertThat(sel.getMatchLabels()).containsEntry("inject", "never"));
    assertThat(s.alwaysInjectSelector()).isEmpty();
    assertThat(s.injectedAnnotations()).isEqualTo(Map.of("example.com/injected", "true"));
    // full.yaml sets no proxy resources: the demo profile's small ones apply.
    assertThat(s.proxyResources().getRequests())
        .containsEntry("cpu", new Quantity("10m"))
        .containsEntry("memory", new Quantity("40Mi"));
  }

  @Test
  void resourcesFromTheSpecWin() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    var injector = new dev.meshoperator.api.SidecarInjectorSpec();
    injector.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("250m")).build());
    install.getSpec().setSidecarInjector(injector);

    InjectionSettings s = InjectionSettingsFactory.from(Profiles.resolve(install), false);

    assertThat(s.proxyResources().getRequests()).containsEntry("cpu", new Quantity("250m"));
    assertThat(s.proxyResources().getRequests()).containsEntry("memory", new Quantity("128Mi"));
  }

  @Test
  void nativeModeFollowsSpecOrAsksTheServer() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    assertThat(InjectionSettingsFactory.from(Profiles.resolve(install), true).nativeSidecar())
        .isEqualTo(NativeSidecarMode.AUTO);
    assertThat(InjectionSettingsFactory.from(Profiles.resolve(install), true).nativeSidecarsByDefault()).isTrue();
    assertThat(InjectionSettingsFactory.from(Profiles.resolve(install), false).nativeSidecarsByDefault()).isFalse();

    var injector = new dev.meshoperator.api.SidecarInjectorSpec();
    injector.setNativeSidecar(false);
    install.getSpec().setSidecarInjector(injector);
    InjectionSettings off = InjectionSettingsFactory.from(Profiles.resolve(install), true);
    assertThat(off.nativeSidecar()).isEqualTo(NativeSidecarMode.OFF);
    assertThat(off.nativeSidecarsByDefault()).isFalse();
  }

  @Test
  void remoteIstiodByHostNameIsTheCaAddress() {
    MeshInstall install = MeshInstalls.example(Profile.REMOTE);
    install.getSpec().getRemote().setAddress("istiod.central.example.com");

    InjectionSettings s = InjectionSettingsFactory.from(Profiles.resolve(install), false);

    assertThat(s.caAddress()).isEqualTo("istiod.central.example.com:15012");
  }

  @Test
  void defaultRevisionInAnotherNamespace() {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setNamespace("mesh");

    InjectionSettings s = InjectionSettingsFactory.from(Profiles.resolve(install), false);

    assertThat(s.revision()).isEqualTo("default");
    assertThat(s.caAddress()).isEqualTo("istiod.mesh.svc:15012");
  }

  @Test
  void carriesClusterNetworkAndMeshIdAsIstiodAndTheGatewaysGetThem() throws IOException {
    InjectionSettings s = InjectionSettingsFactory.from(full(), false);

    assertThat(s.clusterId()).isEqualTo("cluster-west");
    assertThat(s.network()).isEqualTo("network-west");
    assertThat(s.meshId()).isEqualTo("mesh-a");
    assertThat(s.trustDomain()).isEqualTo("example.org");
  }

  @Test
  void cniReachesTheInjectorOnlyWhenTheMeshInstallEnablesIt() {
    MeshInstall install = MeshInstalls.example(Profile.DEFAULT);
    assertThat(InjectionSettingsFactory.from(Profiles.resolve(install), false).cni()).isFalse();
    var components = new dev.meshoperator.api.Components();
    var cni = new dev.meshoperator.api.CniSpec();
    cni.setEnabled(true);
    components.setCni(cni);
    install.getSpec().setComponents(components);
    assertThat(InjectionSettingsFactory.from(Profiles.resolve(install), false).cni()).isTrue();
  }
}
