package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.api.UpdateStrategySpec;
import dev.meshoperator.api.UpdateStrategyType;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.profile.Upgrades;
import dev.meshoperator.render.GoldenYaml;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a RevisionBased install renders in the middle of an upgrade (1.30.3 still used, 1.31.4
 * active, a revision tag), golden under src/test/resources/golden/revision-based-upgrade.yaml;
 * refresh with -Dgolden.update=true. The assertions below say what the golden must show.
 */
class RevisionGoldenTest {
  private static final WebhookEndpoint SERVICE = WebhookEndpoint.service("mesh-operator", "mesh-operator", 443);

  static MeshInstall midUpgrade() {
    MeshInstall mi = MeshInstalls.named("demo", Profile.DEMO);
    mi.getSpec().setVersion("1.31.4");
    UpdateStrategySpec strategy = new UpdateStrategySpec();
    strategy.setType(UpdateStrategyType.RevisionBased);
    mi.getSpec().setUpdateStrategy(strategy);
    mi.getSpec().setRevisionTags(List.of("prod-stable"));
    MeshInstallStatus status = new MeshInstallStatus();
    status.setAppliedVersion("1.30.3");
    status.setRevisions(List.of(new RevisionStatus("demo-1-30-3", "1.30.3")));
    mi.setStatus(status);
    return mi;
  }

  private static List<HasMetadata> render(MeshInstall mi) {
    var active = Profiles.resolve(mi);
    return new Renderer(List.of(new InjectorWebhookRenderer(SERVICE, Optional::empty, FailurePolicy.Fail)))
        .render(Upgrades.configs(mi, Upgrades.retained(mi, active.revision())));
  }

  @Test
  void rendersBothRevisionsOneSetOfGatewaysAndATagPerName() throws IOException {
    MeshInstall mi = midUpgrade();
    assertThat(Profiles.validate(mi)).isEmpty();
    List<HasMetadata> objects = render(mi);
    String actual = GoldenYaml.of(objects);
    Path file = Path.of("src/test/resources/golden/revision-based-upgrade.yaml");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual);
    }
    assertThat(actual).isEqualTo(Files.readString(file));

    assertThat(objects).filteredOn(o -> o.getKind().equals("Deployment")).extracting(o -> o.getMetadata().getName())
        .containsExactlyInAnyOrder("istiod-demo-1-31-4", "istiod-demo-1-30-3", "istio-ingressgateway", "istio-egressgateway");
    assertThat(objects).filteredOn(o -> o.getKind().equals("Deployment") && o.getMetadata().getName().startsWith("istiod-"))
        .extracting(o -> ((io.fabric8.kubernetes.api.model.apps.Deployment) o).getSpec().getTemplate().getSpec()
            .getContainers().get(0).getImage())
        .containsExactlyInAnyOrder("docker.io/istio/pilot:1.31.4", "docker.io/istio/pilot:1.30.3");
    assertThat(objects).filteredOn(o -> o.getMetadata().getName().equals("istio-ingressgateway") && o.getKind().equals("Deployment"))
        .extracting(o -> ((io.fabric8.kubernetes.api.model.apps.Deployment) o).getSpec().getTemplate().getSpec()
            .getContainers().get(0).getImage())
        .as("gateways run the active version, under a name that does not move").containsExactly("docker.io/istio/proxyv2:1.31.4");

    List<MutatingWebhookConfiguration> hooks = objects.stream().filter(MutatingWebhookConfiguration.class::isInstance)
        .map(MutatingWebhookConfiguration.class::cast).toList();
    assertThat(hooks).extracting(h -> h.getMetadata().getName()).containsExactlyInAnyOrder(
        "mesh-operator-sidecar-injector-demo-1-31-4", "mesh-operator-sidecar-injector-demo-1-30-3",
        "mesh-operator-revision-tag-default", "mesh-operator-revision-tag-prod-stable");
    MutatingWebhookConfiguration defaultTag = hooks.stream()
        .filter(h -> h.getMetadata().getName().equals("mesh-operator-revision-tag-default")).findFirst().orElseThrow();
    assertThat(defaultTag.getWebhooks()).extracting(MutatingWebhook::getName)
        .as("istio-injection=enabled is the default tag's").contains("namespace.sidecar-injector.meshoperator.dev");
    assertThat(defaultTag.getWebhooks().get(0).getClientConfig().getService().getPath()).isEqualTo("/inject");
    MutatingWebhookConfiguration prod = hooks.stream()
        .filter(h -> h.getMetadata().getName().equals("mesh-operator-revision-tag-prod-stable")).findFirst().orElseThrow();
    assertThat(prod.getWebhooks().get(0).getClientConfig().getService().getPath()).isEqualTo("/inject/prod-stable");
    assertThat(prod.getWebhooks().get(0).getNamespaceSelector().getMatchExpressions().get(0).getValues())
        .containsExactly("prod-stable");
    assertThat(hooks).filteredOn(h -> h.getMetadata().getName().contains("demo-1-3"))
        .allSatisfy(h -> assertThat(h.getWebhooks()).extracting(MutatingWebhook::getName)
            .doesNotContain("namespace.sidecar-injector.meshoperator.dev"));
  }

  @Test
  void aDefaultRevisionLeftBySwitchingToRevisionBasedKeepsItsIstiodButAnswersNoLabelTheDefaultTagNowOwns() {
    MeshInstall mi = midUpgrade();
    mi.getStatus().setRevisions(List.of(new RevisionStatus(Revision.DEFAULT.label(), "1.30.3")));
    List<HasMetadata> objects = render(mi);
    assertThat(objects).filteredOn(o -> o.getKind().equals("Deployment")).extracting(o -> o.getMetadata().getName())
        .contains("istiod", "istiod-demo-1-31-4");
    MutatingWebhookConfiguration old = objects.stream().filter(MutatingWebhookConfiguration.class::isInstance)
        .map(MutatingWebhookConfiguration.class::cast)
        .filter(h -> h.getMetadata().getName().equals("mesh-operator-sidecar-injector")).findFirst().orElseThrow();
    assertThat(old.getWebhooks()).isEmpty();
  }
}
