package dev.meshoperator.cli;

import java.util.Locale;

/** Values of {@code -o/--output}; each command says which it supports. */
enum OutputFormat {
  TEXT, TABLE, YAML, JSON;

  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
