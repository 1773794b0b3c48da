package dev.meshoperator.testenv;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The compiled test classes, for guards that check every test class of a kind. */
public final class TestClasses {
  private TestClasses() {}

  /** The binary names of the classes in the test output directory (nested ones included). */
  public static List<String> names() throws IOException, URISyntaxException {
    Path root = Path.of(TestClasses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (Stream<Path> files = Files.walk(root)) {
      return files.map(f -> root.relativize(f).toString().replace('\\', '/'))
          .filter(f -> f.endsWith(".class") && !f.contains("module-info"))
          .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
          .toList();
    }
  }
}
