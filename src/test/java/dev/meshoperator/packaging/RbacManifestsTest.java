package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** deploy/02-rbac.yaml and the chart's rule files are exactly what {@link RbacManifests} derives. */
class RbacManifestsTest {

  @Test
  void checkedInRbacIsTheGeneratedOne() throws IOException {
    if (Boolean.getBoolean("rbac.update")) {
      RbacManifests.write(Manifests.DEPLOY);
    }
    for (var entry : RbacManifests.generate().entrySet()) {
      Path file = Manifests.DEPLOY.resolve(entry.getKey());
      assertThat(file).as("deploy/%s is missing; regenerate: %s", entry.getKey(), RbacManifests.REGENERATE).exists();
      assertThat(Files.readString(file))
          .as("deploy/%s is stale (the renderer's roles or ManagedKinds changed); regenerate: %s",
              entry.getKey(), RbacManifests.REGENERATE)
          .isEqualTo(entry.getValue());
    }
  }
}
