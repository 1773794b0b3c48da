/**
 * {@code meshctl}: picocli commands that read files or the cluster, call the pure packages (profile,
 * render, inject through {@code wiring}) and print. No mesh logic lives here; a command that grows
 * a rule of its own has a rule in the wrong package.
 */
package dev.meshoperator.cli;
