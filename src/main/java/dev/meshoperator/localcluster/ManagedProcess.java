package dev.meshoperator.localcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A cluster component of {@link LocalCluster}, its output in a log file, stopped with SIGTERM. */
final class ManagedProcess {
  private final String name;
  private final Process process;
  private final Path logFile;
  private volatile boolean stopping;

  private ManagedProcess(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  static ManagedProcess start(String name, Path binary, Path logDir, List<String> args) {
    var command = new ArrayList<String>();
    command.add(binary.toString());
    command.addAll(args);
    Path logFile = logDir.resolve(name + ".log");
    try {
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(logFile.toFile())
          .start();
      return new ManagedProcess(name, p, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + binary + ")", e);
    }
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  void checkAlive() {
    if (!stopping && !process.isAlive()) {
      throw new IllegalStateException(name + " exited with code " + process.exitValue()
          + "; its log is " + logFile);
    }
  }

  void stop() {
    stopping = true;
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
