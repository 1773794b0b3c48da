package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Golden files under src/test/resources/inject; {@code -Dgolden.update=true} rewrites them. */
final class Golden {
  private Golden() {}

  static final String DIR = "inject/";

  static boolean updating() {
    return Boolean.getBoolean("golden.update");
  }

  static String read(String name) {
    try (InputStream in = Golden.class.getClassLoader().getResourceAsStream(DIR + name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void check(String name, String actual) {
    if (updating()) {
      Path file = Path.of(System.getProperty("mesh.basedir", "."), "src/test/resources", DIR + name);
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    String expected = read(name);
    if (expected == null) {
      fail("golden " + DIR + name + " does not exist; run the test with -Dgolden.update=true to create it");
    }
    assertThat(actual)
        .as("output differs from golden " + DIR + name
            + "; if the change is intended, rerun with -Dgolden.update=true to rewrite it")
        .isEqualTo(expected);
  }
}
