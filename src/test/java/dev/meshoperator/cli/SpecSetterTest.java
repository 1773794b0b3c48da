package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecSetterTest {

  @Test
  void parsesFieldsIndicesAndEscapedDots() {
    assertThat(SpecSetter.parse("spec.components.ingressGateways[1].service.annotations.a\\.b/c=x").path())
        .containsExactly(new SpecSetter.Field("components"), new SpecSetter.Field("ingressGateways"),
            new SpecSetter.Index(1), new SpecSetter.Field("service"), new SpecSetter.Field("annotations"),
            new SpecSetter.Field("a.b/c"));
  }

  @Test
  void valueAfterTheFirstEqualsSignIsKeptWhole() {
    assertThat(SpecSetter.parse("sidecarInjector.injectedAnnotations.k=a=b").value()).isEqualTo("a=b");
  }

  @Test
  void typesValuesByTheField() {
    MeshInstallSpec spec = SpecSetter.apply(new MeshInstallSpec(), List.of(
        "profile=demo",
        "version=1.30",
        "revision=\"007\"",
        "meshConfig.traceSampling=12.5",
        "sidecarInjector.nativeSidecar=false",
        "sidecarInjector.neverInjectSelector=[{matchLabels: {inject: never}}]"));

    assertThat(spec.getProfile()).isEqualTo(Profile.DEMO);
    assertThat(spec.getVersion()).isEqualTo("1.30");
    assertThat(spec.getRevision()).isEqualTo("007");
    assertThat(spec.getMeshConfig().getTraceSampling()).isEqualTo(12.5);
    assertThat(spec.getSidecarInjector().getNativeSidecar()).isFalse();
    assertThat(spec.getSidecarInjector().getNeverInjectSelector().get(0).getMatchLabels()).containsEntry("inject", "never");
  }

  @Test
  void newGatewayEntryTakesTheProfilesGatewayName() {
    MeshInstallSpec spec = SpecSetter.apply(new MeshInstallSpec(), List.of("components.ingressGateways[0].replicas=3"));

    GatewaySpec gateway = spec.getComponents().getIngressGateways().get(0);
    assertThat(gateway.getName()).isEqualTo("istio-ingressgateway");
    assertThat(gateway.getReplicas()).isEqualTo(3);
  }

  @Test
  void appendsAtTheEndOfAListButNotPastIt() {
    MeshInstallSpec spec = SpecSetter.apply(new MeshInstallSpec(), List.of(
        "components.ingressGateways[0].replicas=2",
        "components.ingressGateways[1].name=internal"));
    assertThat(spec.getComponents().getIngressGateways()).extracting(GatewaySpec::getName)
        .containsExactly("istio-ingressgateway", "internal");

    assertThatThrownBy(() -> SpecSetter.apply(spec, List.of("components.ingressGateways[3].name=x")))
        .isInstanceOfSatisfying(CliException.class, e -> {
          assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
          assertThat(e.getMessage()).contains("index 3 is past the end of spec.components.ingressGateways (it has 2 entries)");
        });
  }

  @Test
  void nullUnsetsAField() {
    MeshInstallSpec spec = SpecSetter.apply(new MeshInstallSpec(), List.of("meshConfig.accessLogFile=x", "meshConfig=null"));

    assertThat(spec.getMeshConfig()).isNull();
  }

  @Test
  void leafFieldsHaveNoSubFields() {
    assertThatThrownBy(() -> SpecSetter.apply(new MeshInstallSpec(), List.of("hub.registry=x")))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.hint()).contains("takes a value"));
  }
}
