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
}
