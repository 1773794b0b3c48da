package dev.meshoperator.reliability;

import dev.meshoperator.testenv.OperatorJvm;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An operator JVM started again whenever it exits, as the kubelet does for deploy/'s Deployment
 * (restartPolicy Always): the same identity (POD_NAME), flags and ports, after a short back-off.
 * The operator exits by design when it loses its leader election Lease; under this supervisor that
 * is a counted restart, not the end of the test. Each exit is recorded with its exit code and the
 * log line that says why; after {@code maxRestarts} restarts it gives up (a crash loop), and
 * {@link #requireRunning()} then fails at once.
 */
final class SupervisedOperator implements AutoCloseable {

  /** One exit of the operator JVM: when, its exit code, the reason line of its log, and the log. */
  record Exit(Instant at, int exitCode, String reason, String log) {}

  private final Supplier<OperatorJvm> start;
  private final Duration backOff;
  private final int maxRestarts;
  private final List<Exit> exits = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile OperatorJvm current;
  private volatile String gaveUp;
  private boolean stopping;

  SupervisedOperator(Supplier<OperatorJvm> start, Duration backOff, int maxRestarts) {
    this.start = start;
    this.backOff = backOff;
    this.maxRestarts = maxRestarts;
    this.current = start.get();
    this.thread = new Thread(this::supervise, "supervisor of " + current.name());
    thread.setDaemon(true);
    thread.start();
  }

  private void supervise() {
    while (true) {
      OperatorJvm jvm = current;
      int code;
      try {
        code = jvm.waitForExit();
      } catch (InterruptedException e) {
        return;
      }
      synchronized (this) {
        if (stopping) {
          return;
        }
      }
      Exit exit = new Exit(Instant.now(), code, reason(jvm.logText()), jvm.log().toString());
      exits.add(exit);
      System.out.printf("[supervisor] %s exited with code %d: %s%n", jvm, code, exit.reason());
      if (exits.size() > maxRestarts) {
        gaveUp = "the operator exited " + exits.size() + " times, more than the " + maxRestarts
            + " restarts allowed; last exit code " + code + ": " + exit.reason() + "; log " + jvm.log();
        System.out.println("[supervisor] giving up: " + gaveUp);
        return;
      }
      try {
        Thread.sleep(backOff.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      synchronized (this) {
        if (stopping) {
          return;
        }
        current = start.get();
      }
      System.out.printf("[supervisor] restart %d: %s%n", exits.size(), current);
    }
  }

  /** The last ERROR line of the log (the operator says there why it exits), else its last line. */
  static String reason(String log) {
    List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
    String reason = lines.isEmpty() ? "(empty log)" : lines.get(lines.size() - 1);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains(" ERROR ")) {
        reason = lines.get(i);
        break;
      }
    }
    return reason.length() > 300 ? reason.substring(0, 300) + "..." : reason;
  }

  /** The JVM running now (or the last one, if it exited and its restart is pending). */
  OperatorJvm current() {
    return current;
  }

  /** How many times the operator exited and was (or is being) started again. */
  int restarts() {
    return exits.size();
  }

  List<Exit> exits() {
    return List.copyOf(exits);
  }

  /** Throws (not an AssertionError: an await stops at once) when the supervisor has given up. */
  void requireRunning() {
    if (gaveUp != null) {
      throw new IllegalStateException("supervised operator is down for good: " + gaveUp);
    }
  }

  /** Stops supervising, then the running JVM with SIGTERM (as the kubelet on a pod's deletion). */
  @Override
  public void close() {
    synchronized (this) {
      stopping = true;
    }
    thread.interrupt();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    current.close();
  }

  @Override
  public String toString() {
    return "supervised " + current + ", " + exits.size() + " restarts";
  }
}
