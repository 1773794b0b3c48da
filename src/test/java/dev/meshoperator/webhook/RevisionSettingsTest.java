package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RevisionSettingsTest {
  private final AtomicInteger mapped = new AtomicInteger();
  private final List<MeshInstall> installs = new ArrayList<>();
  private final RevisionSettings settings = new RevisionSettings(() -> installs, config -> {
    mapped.incrementAndGet();
    return InjectionSettingsFactory.from(config, true);
  });

  private static MeshInstall install(String name, String created, String resourceVersion, String specYaml) {
    return new KubernetesSerialization().unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s, uid: uid-%s, creationTimestamp: "%s", resourceVersion: "%s"}
        spec: %s
        """.formatted(name, name, created, resourceVersion, specYaml), MeshInstall.class);
  }

  @Test
  void theOlderInstallOfARevisionServesIt() {
    installs.add(install("newer", "2026-01-02T00:00:00Z", "1", "{profile: minimal, namespace: newer-system}"));
    installs.add(install("older", "2026-01-01T00:00:00Z", "1", "{profile: minimal, namespace: older-system}"));
    assertThat(settings.apply("default")).map(InjectionSettings::caAddress)
        .contains("istiod.older-system.svc:15012");
    assertThat(settings.apply("canary")).isEmpty();
  }

  @Test
  void settingsAreResolvedOncePerStoredVersionOfTheInstall() {
    installs.add(install("mi", "2026-01-01T00:00:00Z", "7", "{profile: minimal}"));
    settings.apply("default");
    settings.apply("default");
    assertThat(mapped).hasValue(1);

    installs.set(0, install("mi", "2026-01-01T00:00:00Z", "8", "{profile: minimal, namespace: moved}"));
    assertThat(settings.apply("default")).map(InjectionSettings::caAddress).contains("istiod.moved.svc:15012");
    assertThat(mapped).hasValue(2);
  }

  @Test
  void anInstallWithTheInjectorOffOrAnInvalidSpecServesNothing() {
    installs.add(install("off", "2026-01-01T00:00:00Z", "1", "{profile: minimal, sidecarInjector: {enabled: false}}"));
    assertThat(settings.apply("default")).isEmpty();
    installs.set(0, install("bad", "2026-01-01T00:00:00Z", "2",
        "{profile: minimal, components: {pilot: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}}"));
    assertThat(settings.apply("default")).isEmpty();
    assertThat(mapped).hasValue(0);
  }

  // ---- resolve: what the webhook serves ----

  private final java.util.Map<String, io.fabric8.kubernetes.api.model.ConfigMap> configMaps = new java.util.HashMap<>();
  private final List<MeshInstall> apiServer = new ArrayList<>();
  private final RevisionSettings webhook = new RevisionSettings(() -> installs, () -> apiServer,
      (namespace, name) -> java.util.Optional.ofNullable(configMaps.get(namespace + "/" + name)),
      config -> InjectionSettingsFactory.from(config, true));

  private void keepLastValid(MeshInstall mi) {
    var config = dev.meshoperator.profile.Profiles.resolve(mi);
    var cm = dev.meshoperator.render.LastValidSpec.render(config, mi.getSpec(), 3L);
    cm.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withUid(mi.getMetadata().getUid()).withName(mi.getMetadata().getName()).build()));
    configMaps.put(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName(), cm);
  }

  private static final String INVALID = "{profile: minimal, namespace: mesh, sidecarInjector: {resources: {requests: {cpu: 456m}}},"
      + " components: {pilot: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}}";

  @Test
  void anInvalidInstallServesItsLastValidSpecWithAWarningNamingTheProblem() {
    MeshInstall valid = install("mi", "2026-01-01T00:00:00Z", "1",
        "{profile: minimal, namespace: mesh, sidecarInjector: {resources: {requests: {cpu: 123m}}}}");
    keepLastValid(valid);
    installs.add(install("mi", "2026-01-01T00:00:00Z", "2", INVALID));

    var resolution = webhook.resolve("default");
    assertThat(resolution).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
      assertThat(serve.settings().proxyResources().getRequests().get("cpu").toString()).isEqualTo("123m");
      assertThat(serve.warnings()).singleElement().asString()
          .startsWith("MeshInstall mi is invalid: spec.components.pilot.autoscaling: minReplicas 5 is greater than maxReplicas 2")
          .endsWith("injected with its last valid settings (generation 3)");
    });
    assertThat(settings.apply("default")).as("the CLI's strict view: the current spec serves nothing").isEmpty();
  }

  @Test
  void aLastValidSpecThatANewerCheckRefusesStillServesWithASecondWarning() {
    // Recorded by an operator version without the check on annotation keys: it served the
    // revision's pods until the upgrade, and must go on doing so rather than stop them all.
    MeshInstall recorded = install("mi", "2026-01-01T00:00:00Z", "1",
        "{profile: minimal, namespace: mesh, sidecarInjector: {resources: {requests: {cpu: 123m}},"
            + " injectedAnnotations: {team/a/b: x}}}");
    assertThat(dev.meshoperator.profile.Profiles.validate(recorded)).as("refused by today's checks").isNotEmpty();
    keepLastValid(recorded);
    installs.add(install("mi", "2026-01-01T00:00:00Z", "2", INVALID));

    assertThat(webhook.resolve("default")).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
      assertThat(serve.settings().proxyResources().getRequests().get("cpu").toString()).isEqualTo("123m");
      assertThat(serve.warnings()).hasSize(2);
      assertThat(serve.warnings().get(0)).startsWith("MeshInstall mi is invalid: spec.components.pilot.autoscaling")
          .endsWith("injected with its last valid settings (generation 3)");
      assertThat(serve.warnings().get(1)).isEqualTo("those last valid settings (generation 3) break a newer check too:"
          + " spec.sidecarInjector.injectedAnnotations: key 'team/a/b' is not an annotation key: may hold at most one"
          + " '/', between a DNS subdomain prefix and a name (e.g. 'example.com/my-name')");
      assertThat(serve.warnings()).allSatisfy(w -> assertThat(w.length()).isLessThanOrEqualTo(RevisionSettings.MAX_WARNING));
    });
  }

  @Test
  void anInvalidInstallWithoutLastValidSpecOrWithAnotherInstallsIsUnavailableNotSkipped() {
    installs.add(install("mi", "2026-01-01T00:00:00Z", "2", INVALID));
    assertThat(webhook.resolve("default")).isInstanceOfSatisfying(RevisionSettings.Unavailable.class, u ->
        assertThat(u.message()).contains("MeshInstall mi is invalid", "no last valid settings",
            "ConfigMap mesh/mesh-operator-last-valid-spec"));

    // Left behind by an earlier install of the same name (another uid): not this install's settings.
    MeshInstall earlier = install("mi", "2025-01-01T00:00:00Z", "1", "{profile: minimal, namespace: mesh}");
    earlier.getMetadata().setUid("uid-earlier");
    keepLastValid(earlier);
    assertThat(webhook.resolve("default")).isInstanceOf(RevisionSettings.Unavailable.class);
  }

  @Test
  void anUnknownRevisionIsLookedUpAgainThenUnavailable() {
    assertThat(webhook.resolve("canary")).isInstanceOfSatisfying(RevisionSettings.Unavailable.class, u ->
        assertThat(u.message()).contains("no MeshInstall has revision canary", "mesh-operator-sidecar-injector-canary"));
    // Not in the cache yet, but the API server has it.
    apiServer.add(install("fresh", "2026-01-01T00:00:00Z", "1", "{profile: minimal, revision: canary}"));
    assertThat(webhook.resolve("canary")).isInstanceOf(RevisionSettings.Serve.class);
  }

  @Test
  void theInjectorTurnedOffIsTheOnlyDisabledAndAnInstallBeingDeletedStillServes() {
    installs.add(install("off", "2026-01-01T00:00:00Z", "1", "{profile: minimal, sidecarInjector: {enabled: false}}"));
    assertThat(webhook.resolve("default")).isInstanceOf(RevisionSettings.Disabled.class);

    MeshInstall deleting = install("going", "2026-01-01T00:00:00Z", "1", "{profile: minimal, revision: r1}");
    deleting.getMetadata().setDeletionTimestamp("2026-01-03T00:00:00Z");
    installs.add(deleting);
    assertThat(webhook.resolve("r1")).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve ->
        assertThat(serve.warnings()).singleElement().asString().contains("is being deleted"));
    // A live install of the same revision wins over the one being deleted, though that one is older.
    installs.add(install("heir", "2026-01-02T00:00:00Z", "1", "{profile: minimal, revision: r1, namespace: heir}"));
    assertThat(webhook.resolve("r1")).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
      assertThat(serve.warnings()).isEmpty();
      assertThat(serve.settings().controlPlaneNamespace()).isEqualTo("heir");
    });
  }

  @Test
  void aFailingLookupIsUnavailableAndNotRemembered() {
    installs.add(install("mi", "2026-01-01T00:00:00Z", "2", INVALID));
    var failing = new java.util.concurrent.atomic.AtomicBoolean(true);
    var flaky = new RevisionSettings(() -> installs, () -> installs, (namespace, name) -> {
      if (failing.get()) {
        throw new IllegalStateException("connection refused");
      }
      return java.util.Optional.ofNullable(configMaps.get(namespace + "/" + name));
    }, config -> InjectionSettingsFactory.from(config, true));
    assertThat(flaky.resolve("default")).isInstanceOfSatisfying(RevisionSettings.Unavailable.class, u ->
        assertThat(u.message()).contains("cannot be read: connection refused"));
    failing.set(false);
    keepLastValid(install("mi", "2026-01-01T00:00:00Z", "1", "{profile: minimal, namespace: mesh}"));
    assertThat(flaky.resolve("default")).isInstanceOf(RevisionSettings.Serve.class);
  }

  @Test
  void warningsFitTheApiServersLimit() {
    String clipped = RevisionSettings.clip("x".repeat(400), "; tail");
    assertThat(clipped).hasSize(RevisionSettings.MAX_WARNING).endsWith("...; tail");
    assertThat(RevisionSettings.clip("short", "; tail")).isEqualTo("short; tail");
  }

  @Test
  void aRevisionBasedInstallServesItsTagsWithTheActiveVersionAndAnOlderRevisionWithItsOwn() {
    MeshInstall mi = install("mi", "2026-01-01T00:00:00Z", "5", "{profile: minimal, namespace: mesh, version: 1.31.4,"
        + " updateStrategy: {type: RevisionBased}, revisionTags: [prod-stable]}");
    var status = new dev.meshoperator.api.MeshInstallStatus();
    status.setAppliedVersion("1.31.4");
    status.setRevisions(List.of(new dev.meshoperator.api.RevisionStatus("mi-1-30-3", "1.30.3")));
    mi.setStatus(status);
    installs.add(mi);

    for (String tag : List.of("default", "prod-stable", "mi-1-31-4")) {
      assertThat(webhook.resolve(tag)).as(tag).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
        assertThat(serve.settings().proxyImage()).endsWith("proxyv2:1.31.4");
        assertThat(serve.settings().revisionName()).isEqualTo("mi-1-31-4");
        assertThat(serve.settings().answersTo(tag)).isTrue();
      });
    }
    assertThat(webhook.resolve("mi-1-30-3")).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
      assertThat(serve.settings().proxyImage()).endsWith("proxyv2:1.30.3");
      assertThat(serve.settings().caAddress()).startsWith("istiod-mi-1-30-3.mesh.svc");
      assertThat(serve.settings().answersTo("default")).as("the tag is the active revision's only").isFalse();
    });
  }

  @Test
  void anInPlaceJumpOfTwoMinorsServesTheRunningVersionFromTheLastValidSpecWithAWarning() {
    MeshInstall running = install("mi", "2026-01-01T00:00:00Z", "1", "{profile: minimal, namespace: mesh, version: 1.30.3}");
    keepLastValid(running);
    MeshInstall jumped = install("mi", "2026-01-01T00:00:00Z", "2", "{profile: minimal, namespace: mesh, version: 1.32.0}");
    var status = new dev.meshoperator.api.MeshInstallStatus();
    status.setAppliedVersion("1.30.3");
    jumped.setStatus(status);
    installs.add(jumped);
    assertThat(webhook.resolve("default")).isInstanceOfSatisfying(RevisionSettings.Serve.class, serve -> {
      assertThat(serve.settings().proxyImage()).endsWith("proxyv2:1.30.3");
      assertThat(serve.warnings()).singleElement().asString().contains("refused to upgrade from 1.30.3 to 1.32.0");
    });
  }
}
