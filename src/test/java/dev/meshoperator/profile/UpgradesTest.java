package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.api.UpdateStrategySpec;
import dev.meshoperator.api.UpdateStrategyType;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpgradesTest {
  static MeshInstall install(String version, String appliedVersion, UpdateStrategyType type) {
    MeshInstall mi = MeshInstalls.named("demo", Profile.MINIMAL);
    mi.getSpec().setVersion(version);
    if (type != null) {
      UpdateStrategySpec strategy = new UpdateStrategySpec();
      strategy.setType(type);
      mi.getSpec().setUpdateStrategy(strategy);
    }
    if (appliedVersion != null) {
      MeshInstallStatus status = new MeshInstallStatus();
      status.setAppliedVersion(appliedVersion);
      mi.setStatus(status);
    }
    return mi;
  }

  @Test
  void inPlaceAcceptsOneMinorEitherWayAndRefusesTwoNamingFromToAndThePolicy() {
    assertThat(Profiles.validate(install("1.31.4", "1.30.3", null))).isEmpty();
    assertThat(Profiles.validate(install("1.30.3", "1.31.4", null))).as("one minor down").isEmpty();
    assertThat(Profiles.validate(install("1.30.5", "1.30.3", null))).as("a patch").isEmpty();
    assertThat(Profiles.validate(install("1.32.0", null, null))).as("first install: nothing to compare").isEmpty();

    List<Problem> refused = Profiles.validate(install("1.32.0", "1.30.3", null));
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).field()).isEqualTo("spec.version");
    assertThat(refused.get(0).reason()).contains("upgrade from 1.30.3 to 1.32.0", "InPlace",
        "at most one minor release at a time", "stays at 1.30.3", "go through 1.31.x first");
    assertThat(Upgrades.isRefusal(refused.get(0))).isTrue();
    assertThat(Profiles.validate(install("1.30.3", "1.32.0", null)).get(0).reason()).contains("downgrade from 1.32.0 to 1.30.3");
    assertThat(Profiles.validate(install("1.32.0", "1.30.3", UpdateStrategyType.RevisionBased)))
        .as("RevisionBased keeps to the same step").hasSize(1);
  }

  @Test
  void revisionBasedNamesTheRevisionFromTheInstallAndVersionAndTagsTheInstallsOwnLabel() {
    EffectiveConfig config = Profiles.resolve(install("1.31.4", null, UpdateStrategyType.RevisionBased));
    assertThat(config.revision().label()).isEqualTo("demo-1-31-4");
    assertThat(config.istiodServiceName()).isEqualTo("istiod-demo-1-31-4");
    assertThat(config.role().tags()).containsExactly("default");
    assertThat(config.role().installRevision().isDefault()).isTrue();

    MeshInstall canary = install("1.30.3-distroless", null, UpdateStrategyType.RevisionBased);
    canary.getSpec().setRevision("prod");
    canary.getSpec().setRevisionTags(List.of("prod-stable"));
    EffectiveConfig c = Profiles.resolve(canary);
    assertThat(c.revision().label()).isEqualTo("prod-1-30-3-distroless");
    assertThat(c.role().tags()).containsExactly("prod", "prod-stable");

    EffectiveConfig inPlace = Profiles.resolve(install("1.31.4", null, null));
    assertThat(inPlace.revision().isDefault()).isTrue();
    assertThat(inPlace.role().tags()).isEmpty();
  }

  @Test
  void olderRevisionsFromTheStatusAreServedAtTheirVersionAndTagsAtTheActiveOne() {
    MeshInstall mi = install("1.31.4", "1.30.3", UpdateStrategyType.RevisionBased);
    mi.getSpec().setRevisionTags(List.of("prod-stable"));
    mi.getStatus().setRevisions(List.of(new RevisionStatus("demo-1-30-3", "1.30.3"), new RevisionStatus("demo-1-31-4", "1.31.4")));

    assertThat(Upgrades.claims(mi)).containsExactlyInAnyOrder("demo-1-31-4", "default", "prod-stable", "demo-1-30-3");
    EffectiveConfig old = Upgrades.serving(mi, "demo-1-30-3").orElseThrow();
    assertThat(old.images().proxy()).endsWith("proxyv2:1.30.3");
    assertThat(old.role().active()).isFalse();
    assertThat(old.gateways()).isEmpty();
    assertThat(Upgrades.serving(mi, "default").orElseThrow().revision().label()).isEqualTo("demo-1-31-4");
    assertThat(Upgrades.serving(mi, "prod-stable").orElseThrow().images().version()).isEqualTo("1.31.4");
    assertThat(Upgrades.serving(mi, "other")).isEmpty();
    assertThat(Upgrades.configs(mi, Upgrades.retained(mi, Revision.of("demo-1-31-4"))))
        .extracting(cfg -> cfg.revision().label()).containsExactly("demo-1-31-4", "demo-1-30-3");
  }

  @Test
  void tagsMustBeDnsLabelsOnceAndNotTheRevisionItself() {
    MeshInstall mi = install("1.30.3", null, null);
    mi.getSpec().setRevisionTags(List.of("ok", "Bad_Tag", "ok", "default"));
    assertThat(Profiles.validate(mi)).extracting(Problem::field)
        .containsExactly("spec.revisionTags[1]", "spec.revisionTags[2]", "spec.revisionTags[3]");
  }

  @Test
  void aRevisionNameTooLongForItsIstiodIsRefusedOnTheStrategyField() {
    MeshInstall mi = install("1.31.4", null, UpdateStrategyType.RevisionBased);
    mi.getMetadata().setName("a".repeat(50));
    assertThat(Profiles.validate(mi)).extracting(Problem::field).containsExactly("spec.updateStrategy.type");
  }
}
