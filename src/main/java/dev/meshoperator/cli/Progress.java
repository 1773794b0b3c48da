package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress lines of the long-running commands, each stamped with the time since the command
 * began, so that a user sees both that something happens and where the time goes.
 */
final class Progress {
  private final PrintWriter out;
  private final long start = System.nanoTime();

  Progress(PrintWriter out) {
    this.out = out;
  }

  void line(String text) {
    out.printf("[%6s] %s%n", DurationConverter.format(elapsed()), text);
    out.flush();
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** A step that reports its own duration when done. */
  Step step(String text) {
    line(text + " ...");
    return new Step(text, System.nanoTime());
  }

  final class Step {
    private final String text;
    private final long begun;

    private Step(String text, long begun) {
      this.text = text;
      this.begun = begun;
    }

    void done() {
      done("done");
    }

    void done(String result) {
      line(text + ": " + result + " (" + DurationConverter.format(Duration.ofNanos(System.nanoTime() - begun)) + ")");
    }
  }
}
