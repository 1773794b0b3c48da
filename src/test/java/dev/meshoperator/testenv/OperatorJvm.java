package dev.meshoperator.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar target/meshctl.jar operator} as a separate JVM, authenticated with a kubeconfig
 * holding deploy/'s ServiceAccount token (never the admin's), its output in a log file. Killed with
 * SIGKILL ({@link #kill()}) to play a crash, or stopped with SIGTERM ({@link #close()}).
 */
public final class OperatorJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private OperatorJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code meshctl operator --kubeconfig <ServiceAccount kubeconfig> --namespace=<ns>}
   * followed by {@code extraArgs}; {@code name} is its POD_NAME (its leader election identity).
   */
  public static OperatorJvm start(TestCluster cluster, Path serviceAccountKubeconfig, String name, String namespace,
      List<String> extraArgs) {
    Path jar = Path.of(System.getProperty("mesh.basedir", "."), "target", "meshctl.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with mvn package first");
    }
    var command = new ArrayList<>(List.of("java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
        "operator", "--kubeconfig", serviceAccountKubeconfig.toString(), "--namespace=" + namespace));
    command.addAll(extraArgs);
    try {
      Path log = Files.createTempFile("meshctl-operator-" + name + "-", ".log");
      var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      // The admin's kubeconfig must not be what the operator uses.
      builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
      builder.environment().put("POD_NAME", name);
      return new OperatorJvm(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Blocks until the JVM has exited; its exit code. */
  public int waitForExit() throws InterruptedException {
    return process.waitFor();
  }

  /** The exit code, or -1 while it runs. */
  public int exitCode() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  /** The last {@code n} lines of its log. */
  public String logTail(int n) {
    List<String> lines = logText().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** SIGKILL: no shutdown hook runs, the Lease is not released, open connections just drop. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }


  @Override
  public String toString() {
    return "meshctl operator " + name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
