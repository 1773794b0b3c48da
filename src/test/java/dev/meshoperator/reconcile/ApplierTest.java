package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The applier's early stop; its applies against a real API server are ConcurrentApplyIT's. */
class ApplierTest {
  @SuppressWarnings("unchecked")
  private static final Context<MeshInstall> NO_CLUSTER = (Context<MeshInstall>) Proxy.newProxyInstance(
      ApplierTest.class.getClassLoader(), new Class<?>[] {Context.class}, (proxy, method, args) -> null);

  private final List<HasMetadata> desired = List.of(
      new ServiceAccountBuilder().withNewMetadata().withName("a").withNamespace("ns").endMetadata().build(),
      new ConfigMapBuilder().withNewMetadata().withName("b").withNamespace("ns").endMetadata().build());

  @Test
  void anInstallNoLongerWantedStopsThePassBeforeItsNextStepAndAppliesNothingMore() {
    AtomicInteger asked = new AtomicInteger();
    try (Applier applier = new Applier(new LiveObjects(), 2)) {
      // a client-less context: any apply would fail with a NullPointerException
      Applier.Result result = applier.apply(desired, NO_CLUSTER, () -> {
        asked.incrementAndGet();
        return false;
      });

      assertThat(result.stopped()).isTrue();
      assertThat(result.applied()).isEmpty();
      assertThat(result.unchanged()).isZero();
      assertThat(asked).hasValue(1);
    }
  }

  @Test
  void aWantedInstallIsApplied() {
    // positive control for the test above: with the install still wanted the pass does reach the
    // cluster, which this context does not have
    try (Applier applier = new Applier(new LiveObjects(), 2)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> applier.apply(desired, NO_CLUSTER, () -> true))
          .isInstanceOf(ReconcileStepException.class);
    }
  }
}
