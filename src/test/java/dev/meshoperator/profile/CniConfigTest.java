package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** spec.components.cni: Istio 1.30.3's defaults, the user's overlay, and field-named problems. */
class CniConfigTest {

  private static MeshInstall withCni(Profile profile, CniSpec cni) {
    MeshInstall install = MeshInstalls.example(profile);
    Components components = new Components();
    components.setCni(cni);
    install.getSpec().setComponents(components);
    return install;
  }

  private static CniSpec enabled() {
    CniSpec cni = new CniSpec();
    cni.setEnabled(true);
    return cni;
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void offInEveryProfileAsInIstio(Profile profile) {
    // Istio 1.30.3 turns CNI on only in its ambient and openshift profiles, which we do not have.
    assertThat(Profiles.resolve(MeshInstalls.example(profile)).cni().enabled()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void enabledInAnyProfileWhenAsked(Profile profile) {
    assertThat(Profiles.resolve(withCni(profile, enabled())).cni().enabled()).isTrue();
  }

  @Test
  void defaultsAreIstios() {
    MeshInstall install = withCni(Profile.DEFAULT, enabled());
    install.getSpec().setNamespace("mesh-cp");
    install.getSpec().setHub("registry.example.com/istio");
    CniConfig cni = Profiles.resolve(install).cni();

    assertThat(cni.namespace()).as("the control plane namespace, like global.istioNamespace").isEqualTo("mesh-cp");
    assertThat(cni.image()).isEqualTo("registry.example.com/istio/install-cni:" + IstioVersions.defaultVersion());
    assertThat(cni.agentVersion()).isEqualTo(IstioVersions.defaultVersion());
    assertThat(cni.excludeNamespaces()).containsExactly("kube-system");
    assertThat(cni.binDir()).isEqualTo("/opt/cni/bin");
    assertThat(cni.confDir()).isEqualTo("/etc/cni/net.d");
    assertThat(cni.resources().getRequests()).containsEntry("cpu", new Quantity("100m")).containsEntry("memory", new Quantity("100Mi"));
    assertThat(cni.resources().getLimits()).isNullOrEmpty();
  }

  @Test
  void userFieldsWin() {
    CniSpec spec = enabled();
    spec.setNamespace("kube-system");
    spec.setHub("mirror.example.com/istio");
    spec.setTag("1.30.3-distroless");
    spec.setExcludeNamespaces(List.of("kube-system", "istio-system"));
    spec.setCniBinDir("/home/kubernetes/bin");
    spec.setCniConfDir("/var/lib/rancher/k3s/agent/etc/cni/net.d");
    spec.setResources(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("256Mi"))
        .addToRequests("cpu", new Quantity("50m")).build());
    CniConfig cni = Profiles.resolve(withCni(Profile.MINIMAL, spec)).cni();

    assertThat(cni.namespace()).isEqualTo("kube-system");
    assertThat(cni.image()).isEqualTo("mirror.example.com/istio/install-cni:1.30.3-distroless");
    assertThat(cni.agentVersion()).isEqualTo("1.30.3-distroless");
    assertThat(cni.excludeNamespaces()).containsExactly("kube-system", "istio-system");
    assertThat(cni.binDir()).isEqualTo("/home/kubernetes/bin");
    assertThat(cni.confDir()).isEqualTo("/var/lib/rancher/k3s/agent/etc/cni/net.d");
    assertThat(cni.resources().getRequests()).as("merged key by key")
        .isEqualTo(Map.of("cpu", new Quantity("50m"), "memory", new Quantity("100Mi")));
    assertThat(cni.resources().getLimits()).isEqualTo(Map.of("memory", new Quantity("256Mi")));
  }

  @Test
  void aSoundCniSpecHasNoProblems() {
    CniSpec spec = enabled();
    spec.setNamespace("kube-system");
    spec.setCniBinDir("/opt/cni/bin");
    spec.setExcludeNamespaces(List.of("kube-system"));
    assertThat(Profiles.validate(withCni(Profile.DEFAULT, spec))).isEmpty();
  }

  @Test
  void badFieldsAreReportedByName() {
    CniSpec spec = enabled();
    spec.setNamespace("Kube_System");
    spec.setHub("registry.example.com/istio/");
    spec.setTag("1.30.3 beta");
    spec.setCniBinDir("opt/cni/bin");
    spec.setCniConfDir("/etc/cni/../../root");
    spec.setExcludeNamespaces(Arrays.asList("kube-system", "", null, "Not_A_Namespace"));

    List<Problem> problems = Profiles.validate(withCni(Profile.DEFAULT, spec));

    assertThat(problems).extracting(Problem::field).containsExactlyInAnyOrder(
        "spec.components.cni.namespace",
        "spec.components.cni.hub",
        "spec.components.cni.tag",
        "spec.components.cni.cniBinDir",
        "spec.components.cni.cniConfDir",
        "spec.components.cni.excludeNamespaces[1]",
        "spec.components.cni.excludeNamespaces[2]",
        "spec.components.cni.excludeNamespaces[3]");
    assertThat(problems).filteredOn(p -> p.field().endsWith(".namespace")).singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("'Kube_System'", "DNS label"));
    assertThat(problems).filteredOn(p -> p.field().endsWith(".cniConfDir")).singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("absolute host path without '..'"));
  }

  @Test
  void theHostRootIsNotACniDirectory() {
    CniSpec spec = enabled();
    spec.setCniBinDir("/");
    assertThat(Profiles.validate(withCni(Profile.DEFAULT, spec))).singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("spec.components.cni.cniBinDir"));
  }
}
