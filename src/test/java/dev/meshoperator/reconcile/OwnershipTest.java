package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Labels;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class OwnershipTest {
  @Test
  void everyRenderedObjectIsOwnedAndLabelledExceptTheSharedCrds() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    install.getMetadata().setUid("uid-1");
    List<HasMetadata> rendered = new Renderer().render(Profiles.resolve(install));
    var renderedMetadata = rendered.get(0).getMetadata();
    var renderedLabels = new java.util.HashMap<>(renderedMetadata.getLabels());
    Ownership ownership = new Ownership(new KubernetesSerialization());

    List<HasMetadata> applied = rendered.stream().map(o -> ownership.forApply(o, install)).toList();

    assertThat(applied).filteredOn(SharedObjects::isShared).hasSize(15).allSatisfy(crd -> {
      assertThat(crd.getMetadata().getLabels()).doesNotContainKey(Labels.INSTALL).containsEntry(SharedObjects.SHARED_LABEL, "true");
      assertThat(crd.getMetadata().getOwnerReferences()).isNullOrEmpty();
    });
    assertThat(applied).filteredOn(o -> !SharedObjects.isShared(o)).isNotEmpty().allSatisfy(o -> {
      assertThat(o.getMetadata().getLabels()).containsEntry(Labels.INSTALL, "demo").containsEntry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getKind()).isEqualTo("MeshInstall");
        assertThat(ref.getUid()).isEqualTo("uid-1");
      });
    });
    assertThat(renderedMetadata.getOwnerReferences()).as("the rendered metadata is not modified").isNullOrEmpty();
    assertThat(renderedMetadata.getLabels()).isEqualTo(renderedLabels);
  }

  @Test
  void metadataSharedByTwoRenderedObjectsIsCopiedNotChanged() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    install.getMetadata().setUid("uid-1");
    List<HasMetadata> rendered = new Renderer().render(Profiles.resolve(install));
    HasMetadata crd = rendered.stream().filter(SharedObjects::isShared).findFirst().orElseThrow();
    HasMetadata owned = rendered.stream().filter(o -> !SharedObjects.isShared(o)).findFirst().orElseThrow();
    var shared = new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("x").addToLabels("app", "x").build();
    crd.setMetadata(shared);
    owned.setMetadata(shared);
    Ownership ownership = new Ownership(new KubernetesSerialization());

    HasMetadata appliedCrd = ownership.forApply(crd, install);
    HasMetadata appliedOwned = ownership.forApply(owned, install);

    assertThat(appliedCrd.getMetadata()).isNotSameAs(appliedOwned.getMetadata()).isNotSameAs(shared);
    assertThat(appliedCrd.getMetadata().getLabels()).doesNotContainKey(Labels.INSTALL).containsEntry("app", "x");
    assertThat(appliedCrd.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(appliedOwned.getMetadata().getLabels()).containsEntry(Labels.INSTALL, "demo").containsEntry("app", "x");
    assertThat(appliedOwned.getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(shared.getLabels()).containsOnlyKeys("app");
    assertThat(shared.getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void everyRenderedKindIsWatched() {
    for (Profile profile : Profile.values()) {
      for (HasMetadata object : new Renderer().render(Profiles.resolve(MeshInstalls.example(profile)))) {
        assertThat(ManagedKinds.of(object)).as(object.getKind() + " " + object.getApiVersion()).isPresent();
      }
    }
  }
}
