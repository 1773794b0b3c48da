package dev.meshoperator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads what {@code -f} names: a file, or stdin for {@code -}. */
final class InputFiles {
  static final String STDIN = "-";

  private InputFiles() {}

  static String read(String name) {
    try {
      if (STDIN.equals(name)) {
        return new String(stdin().readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(name), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw CliException.failure("file not found: " + name, "check the path given to -f");
    } catch (IOException e) {
      throw CliException.failure("cannot read " + name + ": " + e.getMessage(), "check the file's permissions", e);
    }
  }

  static void write(String name, String content) {
    try {
      Files.writeString(Path.of(name), content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw CliException.failure("cannot write " + name + ": " + e.getMessage(), "check that the directory exists and is writable", e);
    }
  }

  // System.in is read at call time, not captured, so tests can replace it.
  private static InputStream stdin() {
    return System.in;
  }
}
