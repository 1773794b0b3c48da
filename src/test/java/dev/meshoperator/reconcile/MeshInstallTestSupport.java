package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.Profile;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;

/** Shared steps of the MeshInstall end-to-end tests. */
final class MeshInstallTestSupport {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private MeshInstallTestSupport() {}

  /**
   * A MeshInstall whose name and control plane namespace derive from the test's namespace, with a
   * revision of its own, so tests never see each other's installs (MeshInstalls are cluster-wide).
   */
  static MeshInstall install(TestNamespace ns, String suffix, Profile profile) {
    String tail = ns.name().substring(ns.name().lastIndexOf('-') + 1);
    String prefix = shorten(ns.name().substring(0, ns.name().lastIndexOf('-')), 40);
    String name = prefix + "-" + tail + (suffix.isEmpty() ? "" : "-" + suffix);
    MeshInstall install = MeshInstalls.named(name, profile);
    install.getSpec().setNamespace(shorten(name, 55) + "-cp");
    install.getSpec().setRevision(revision(ns, suffix));
    return install;
  }

  /** A DNS label unique to the test, short enough for the revision-suffixed names. */
  static String revision(TestNamespace ns, String suffix) {
    String tail = ns.name().substring(ns.name().lastIndexOf('-') + 1);
    return "r" + tail + (suffix.isEmpty() ? "" : suffix.replaceAll("[^a-z0-9]", ""));
  }

  private static String shorten(String s, int max) {
    String cut = s.length() <= max ? s : s.substring(0, max);
    return cut.replaceAll("-+$", "");
  }

  /**
   * Edits the MeshInstall as a user's {@code kubectl patch --type merge} does ({@link MergeEdits}):
   * the operator's status writes between our read and our write cannot make it fail.
   */
  static void edit(KubernetesClient client, String name, java.util.function.Consumer<MeshInstall> change) {
    MergeEdits.edit(client.resources(MeshInstall.class).withName(name), mi -> {
      change.accept(mi);
      return mi;
    });
  }

  static MeshInstall get(KubernetesClient client, String name) {
    return client.resources(MeshInstall.class).withName(name).get();
  }

  static Optional<Condition> condition(MeshInstall install, String type) {
    if (install == null || install.getStatus() == null) {
      return Optional.empty();
    }
    return install.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static MeshInstall awaitState(KubernetesClient client, String name, MeshState state) {
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      MeshInstall current = get(client, name);
      assertThat(current).isNotNull();
      assertThat(current.getStatus()).as("status of %s", name).isNotNull();
      assertThat(current.getStatus().getState()).as("state of %s: %s", name, current.getStatus().getConditions()).isEqualTo(state);
      assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
    });
    return get(client, name);
  }

  static MeshInstall awaitReady(KubernetesClient client, String name) {
    MeshInstall ready = awaitState(client, name, MeshState.Ready);
    assertThat(condition(ready, MeshInstallStatus.READY)).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(condition(ready, MeshInstallStatus.RECONCILED)).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    return ready;
  }

  /** Deletes the install and waits until the finalizer has run and it is gone. */
  static void deleteAndAwaitGone(KubernetesClient client, String name) {
    client.resources(MeshInstall.class).withName(name).delete();
    await().atMost(TIMEOUT).until(() -> get(client, name) == null);
  }

  /** Best-effort cleanup for finally blocks: never masks the test's own failure. */
  static void cleanup(KubernetesClient client, String... names) {
    for (String name : names) {
      try {
        deleteAndAwaitGone(client, name);
      } catch (RuntimeException | AssertionError e) {
        System.err.println("cleanup of MeshInstall " + name + " failed: " + e);
      }
    }
  }
}
