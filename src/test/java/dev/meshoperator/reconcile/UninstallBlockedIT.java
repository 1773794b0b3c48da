package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, part 3: a managed object that cannot go (a foreign finalizer) keeps the MeshInstall and
 * its finalizer; status and a Warning Event name the object and why; once the blocker is removed the
 * uninstall completes with nothing labelled with the install left.
 */
@KubeTest
class UninstallBlockedIT {
  static final String HOLD = "example.com/hold";

  @Test
  void aForeignFinalizerKeepsTheMeshInstallUntilItIsRemovedThenNothingIsLeft(KubernetesClient client, TestNamespace ns)
      throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.MINIMAL);
    String name = install.getMetadata().getName();
    var installs = client.resources(MeshInstall.class);
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      ObjectKey held = null;
      try {
        installs.resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        held = InstalledObjects.labelledWith(client, name).stream().filter(k -> k.kind().equals("ConfigMap"))
            .findFirst().orElseThrow();
        var configMap = client.configMaps().inNamespace(held.namespace()).withName(held.name());
        MergeEdits.edit(configMap, cm -> {
          cm.getMetadata().getFinalizers().add(HOLD);
          return cm;
        });
        long start = System.nanoTime();
        installs.withName(name).delete();

        String expected = held + " (terminating, held by finalizer " + HOLD + ")";
        await().atMost(TIMEOUT).untilAsserted(() -> {
          MeshInstall current = installs.withName(name).get();
          assertThat(current.getStatus().getState()).isEqualTo(MeshState.Deleting);
          assertThat(MeshInstallTestSupport.condition(current, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> {
            assertThat(c.getReason()).isEqualTo(StatusFactory.REASON_UNINSTALL_BLOCKED);
            assertThat(c.getMessage()).contains(expected);
          });
        });
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.v1().events().inNamespace("default").list().getItems())
            .anySatisfy(e -> {
              assertThat(e.getInvolvedObject().getName()).isEqualTo(name);
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo(StatusFactory.REASON_UNINSTALL_BLOCKED);
              assertThat(e.getMessage()).contains(expected);
            }));
        // Well past the old 30 s budget: still there, finalizer kept, everything else gone.
        while (System.nanoTime() - start < Duration.ofSeconds(40).toNanos()) {
          Thread.sleep(1000);
        }
        MeshInstall stuck = installs.withName(name).get();
        assertThat(stuck).as("the MeshInstall stays while something it created is left").isNotNull();
        assertThat(stuck.getMetadata().getFinalizers()).contains(MeshInstallReconciler.FINALIZER);
        System.out.println("[uninstall-it] after 40 s: " + MeshInstallTestSupport.condition(stuck,
            MeshInstallStatus.RECONCILED).orElseThrow().getMessage());
        String heldPattern = "(ConfigMap/" + held.namespace() + "/" + held.name() + "|Namespace/" + held.namespace()
            + ") terminating";
        assertThat(allLabelled(client, name)).contains(held + " terminating")
            .allSatisfy(o -> assertThat(o).matches(heldPattern));

        MergeEdits.edit(configMap, cm -> {
          cm.getMetadata().getFinalizers().remove(HOLD);
          return cm;
        });
        await().atMost(TIMEOUT).until(() -> installs.withName(name).get() == null);
        assertThat(allLabelled(client, name)).as("nothing made by the operator is left when the MeshInstall goes")
            .allSatisfy(o -> assertThat(o).startsWith("EndpointSlice/"));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(allLabelled(client, name)).isEmpty());
      } finally {
        if (held != null) {
          var cm = client.configMaps().inNamespace(held.namespace()).withName(held.name());
          try {
            MergeEdits.edit(cm, c -> {
              c.getMetadata().getFinalizers().remove(HOLD);
              return c;
            });
          } catch (RuntimeException ignored) {
            // already gone
          }
        }
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  /**
   * Everything labelled managed-by=mesh-operator and install=NAME, terminating or not, copies made by
   * Kubernetes controllers included, as "Kind/ns/name" plus " terminating" when it is.
   */
  @SuppressWarnings("unchecked")
  static List<String> allLabelled(KubernetesClient client, String installName) {
    List<String> found = new ArrayList<>();
    String selector = Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE + "," + Labels.INSTALL + "=" + installName;
    for (ManagedKind kind : ManagedKinds.ALL) {
      MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> op =
          client.resources((Class<HasMetadata>) kind.type());
      List<HasMetadata> items = kind.namespaced()
          ? op.inAnyNamespace().withLabelSelector(selector).list().getItems()
          : op.withLabelSelector(selector).list().getItems();
      items.forEach(o -> found.add(ObjectKey.of(o) + (o.getMetadata().getDeletionTimestamp() != null ? " terminating" : "")));
    }
    return found;
  }
}
