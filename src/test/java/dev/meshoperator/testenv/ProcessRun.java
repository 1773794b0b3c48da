package dev.meshoperator.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to its end: its exit code and its output (stdout and stderr together). */
public record ProcessRun(int exitCode, String output) {
  /** The variables a JVM reads options from; a child JVM gets none of this one's, only what {@code env} gives. */
  private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
      "JDK_JAVA_OPTIONS");

  /**
   * Runs {@code command} with this process's environment, less the JVM option variables, plus
   * {@code env}; the test fails if it has not ended within {@code timeout} after its output closed.
   */
  public static ProcessRun run(List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
    builder.environment().putAll(env);
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("%s ended", command).isTrue();
    return new ProcessRun(p.exitValue(), output);
  }
}
