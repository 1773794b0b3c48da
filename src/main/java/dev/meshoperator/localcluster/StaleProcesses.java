package dev.meshoperator.localcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers the pids of the cluster's processes so that a JVM (tests, meshctl demo) killed without running its
 * shutdown hooks (kill -9, a CI timeout) does not leave etcd and friends running into the next run.
 */
final class StaleProcesses {
  private static final Logger log = LoggerFactory.getLogger(StaleProcesses.class);

  private StaleProcesses() {
  }

  static void record(Path pidFile, List<ProcessHandle> processes) {
    try {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, processes.stream().map(p -> Long.toString(p.pid()))
          .collect(Collectors.joining("\n")));
    } catch (IOException e) {
      log.warn("cannot record test cluster pids in {}: {}", pidFile, e.toString());
    }
  }

  /** Kills processes listed in the pid file that still run one of our binaries. */
  static void reap(Path pidFile, Path binDir) {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(pidFile)) {
        if (line.isBlank()) {
          continue;
        }
        ProcessHandle.of(Long.parseLong(line.trim()))
            .filter(p -> p.info().command().map(c -> c.startsWith(binDir.toString())
                || c.endsWith("/kube-testenv")).orElse(false))
            .ifPresent(p -> {
              log.warn("killing test cluster process {} left over from an earlier run: {}", p.pid(),
                  p.info().commandLine().orElse("?"));
              p.destroyForcibly();
            });
      }
      Files.deleteIfExists(pidFile);
    } catch (IOException | NumberFormatException e) {
      log.warn("cannot read stale pids from {}: {}", pidFile, e.toString());
    }
  }
}
