package dev.meshoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** A MeshInstall as a user writes it parses into the api types with Kubernetes' spellings intact. */
class MeshInstallYamlTest {
  private static MeshInstall load() throws Exception {
    try (InputStream in = MeshInstallYamlTest.class.getResourceAsStream("/meshinstalls/full.yaml")) {
      return Serialization.unmarshal(in, MeshInstall.class);
    }
  }

  @Test
  void parsesEverySection() throws Exception {
    MeshInstall install = load();
    MeshInstallSpec spec = install.getSpec();
    assertThat(spec.getProfile()).isEqualTo(Profile.DEMO);
    assertThat(spec.getComponents().getPilot().getTolerations()).hasSize(1);
    assertThat(spec.getComponents().getIngressGateways().get(1).getAutoscaling().getTargetCPUUtilizationPercentage()).isEqualTo(60);
    assertThat(spec.getComponents().getIngressGateways().get(0).getService().getType()).isEqualTo(ServiceType.NodePort);
    assertThat(spec.getMeshConfig().getOutboundTrafficPolicy()).isEqualTo(OutboundTrafficPolicy.REGISTRY_ONLY);
    assertThat(spec.getSidecarInjector().getFailurePolicy()).isEqualTo(FailurePolicy.Ignore);
    assertThat(spec.getSidecarInjector().getNeverInjectSelector().get(0).getMatchLabels()).containsEntry("inject", "never");
    assertThat(install.getStatus().getState()).isEqualTo(MeshState.Degraded);
    assertThat(install.getStatus().getComponents().get(0).getReadyReplicas()).isZero();
    assertThat(install.getStatus().getWebhook().getState()).isEqualTo("Ready");
  }

  @Test
  void writesEnumsAsTheCrdSpellsThem() throws Exception {
    String yaml = Serialization.asYaml(load());
    assertThat(yaml).contains("profile: \"demo\"", "failurePolicy: \"Ignore\"", "outboundTrafficPolicy: \"REGISTRY_ONLY\"", "state: \"Degraded\"");
  }

  @Test
  void fullExampleIsValidAndResolves() throws Exception {
    MeshInstall install = load();
    assertThat(Profiles.validate(install)).isEmpty();
    EffectiveConfig config = Profiles.resolve(install);
    assertThat(config.namespace()).isEqualTo("mesh-system");
    assertThat(config.pilot().replicas()).isEqualTo(2);
    assertThat(config.pilot().resources().getRequests()).containsEntry("cpu", new Quantity("200m")).containsEntry("memory", new Quantity("100Mi"));
    assertThat(config.pilot().podDisruptionBudget()).isPresent();
    assertThat(config.gateways()).extracting(g -> g.name()).containsExactly("istio-ingressgateway", "internal-gateway");
    assertThat(config.mesh().holdApplicationUntilProxyStarts()).isTrue();
    assertThat(config.injector().rewriteAppHTTPProbers()).isFalse();
    assertThat(config.addons().prometheus()).isTrue();
    assertThat(config.addons().grafana()).isFalse();
  }
}
