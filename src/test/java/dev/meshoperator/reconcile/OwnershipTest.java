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
    assertThat(rendered.get(0).getMetadata().getOwnerReferences()).as("the rendered object is not modified").isNullOrEmpty();
  }

  @Test
  void claimingFreshlyRenderedObjectsGivesWhatForApplyGivesWithoutTouchingAnotherRendersObjects() {
    MeshInstall install = MeshInstalls.example(Profile.DEMO);
    install.getMetadata().setUid("uid-1");
    KubernetesSerialization json = new KubernetesSerialization();
    Ownership ownership = new Ownership(json);
    Renderer renderer = new Renderer();
    List<HasMetadata> other = renderer.render(Profiles.resolve(install));
    List<String> copied = other.stream().map(o -> json.asJson(ownership.forApply(o, install))).toList();
    List<String> otherBefore = other.stream().map(json::asJson).toList();
    List<HasMetadata> fresh = new java.util.ArrayList<>(renderer.render(Profiles.resolve(install)));

    List<String> claimed = ownership.claimRendered(fresh, install).stream().map(json::asJson).toList();

    assertThat(claimed).containsExactlyElementsOf(copied);
    assertThat(claimed.get(claimed.size() - 1)).contains("\"ownerReferences\"");
    assertThat(other.stream().map(json::asJson).toList()).as("a render's objects alias no other render's")
        .containsExactlyElementsOf(otherBefore);
    // Not a threshold: what the deep copy costs beside the claim, for the record.
    for (int round = 0; round < 3; round++) {
      long t0 = System.nanoTime();
      other.forEach(o -> ownership.forApply(o, install));
      long t1 = System.nanoTime();
      ownership.claimRendered(renderer.render(Profiles.resolve(install)), install);
      long t2 = System.nanoTime();
      renderer.render(Profiles.resolve(install));
      long t3 = System.nanoTime();
      System.out.printf("[ownership] demo: forApply (deep copy) %.1f ms, render + claimRendered %.1f ms, render alone %.1f ms%n",
          (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
    }
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
