package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PruneSelectionTest {
  private static final String INSTALL = "demo";
  private static final Map<String, String> OURS = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.INSTALL, INSTALL);

  private static ObjectMetaBuilder meta(String name, Map<String, String> labels) {
    return new ObjectMetaBuilder().withName(name).withNamespace("istio-system").withLabels(labels);
  }

  @Test
  void deletesOnlyOurObjectsTheRenderNoLongerHas() {
    HasMetadata kept = new DeploymentBuilder().withMetadata(meta("istiod", OURS).build()).build();
    HasMetadata gone = new DeploymentBuilder().withMetadata(meta("istio-egressgateway", OURS).build()).build();
    HasMetadata otherInstall = new DeploymentBuilder().withMetadata(meta("istiod-canary",
        Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.INSTALL, "canary")).build()).build();
    HasMetadata notManaged = new ConfigMapBuilder().withMetadata(meta("user", Map.of(Labels.INSTALL, INSTALL)).build()).build();

    List<HasMetadata> selected = PruneSelection.select(List.of(kept, gone, otherInstall, notManaged),
        Set.of(ObjectKey.of(kept)), INSTALL);

    assertThat(selected).containsExactly(gone);
  }

  @Test
  void neverTheNamespaceSharedCrdsDeletingObjectsOrControllerMadeCopies() {
    HasMetadata namespace = new NamespaceBuilder().withNewMetadata().withName("istio-system").withLabels(OURS).endMetadata().build();
    HasMetadata crd = new CustomResourceDefinitionBuilder().withNewMetadata().withName("gateways.networking.istio.io")
        .withLabels(OURS).endMetadata().withNewSpec().withGroup("networking.istio.io").endSpec().build();
    HasMetadata deleting = new ConfigMapBuilder().withMetadata(meta("old", OURS)
        .withDeletionTimestamp("2025-01-01T00:00:00Z").build()).build();
    // The EndpointSlice controller copies a Service's labels (ours) onto the slices it makes.
    HasMetadata slice = new EndpointSliceBuilder().withMetadata(meta("istiod-x7k2p", OURS)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service").withName("istiod")
            .withUid("u1").withController(true).build()).build()).build();

    assertThat(PruneSelection.select(List.of(namespace, crd, deleting, slice), Set.of(), INSTALL)).isEmpty();
  }

  @Test
  void ordersDeletionsByKey() {
    HasMetadata b = new ConfigMapBuilder().withMetadata(meta("b", OURS).build()).build();
    HasMetadata a = new ConfigMapBuilder().withMetadata(meta("a", OURS).build()).build();
    assertThat(PruneSelection.select(List.of(b, a), Set.of(), INSTALL)).containsExactly(a, b);
  }
}
