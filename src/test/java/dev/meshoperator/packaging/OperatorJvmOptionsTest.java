package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.ProcessRun;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The operator container's JVM options (deploy/03-deployment.yaml) as the JVM in the container reads
 * them: JAVA_TOOL_OPTIONS and MALLOC_ARENA_MAX in the environment and the memory limit as the JVM's
 * physical memory (-XX:MaxRAM stands in for the cgroup limit). The JVM must accept them, name its
 * collector (in a container the ergonomic choice depends on the limit and the node's CPUs), and the
 * pools that the options bound must fit in the limit, so that the JVM throws OutOfMemoryError inside
 * its own bounds before the kernel kills the container. bench/memory.sh measures what they use.
 */
class OperatorJvmOptionsTest {
  private static final Pattern FLAG = Pattern.compile("^\\s*\\S+\\s+(\\w+)\\s+:?=\\s+(\\S+)\\s.*$");
  private static final List<String> COLLECTORS = List.of("UseSerialGC", "UseParallelGC", "UseG1GC", "UseZGC",
      "UseShenandoahGC");

  private final Container container = OperatorPodAssertions.operatorContainer(
      Manifests.single(Manifests.parseDir(Manifests.DEPLOY), Deployment.class));

  private String env(String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
        .findFirst().orElse(null);
  }

  private static long bytes(Quantity q) {
    return Quantity.getAmountInBytes(q).longValueExact();
  }

  @Test
  void jvmAcceptsTheOptionsAndTheirBoundedPoolsFitTheMemoryLimit() throws Exception {
    String options = env("JAVA_TOOL_OPTIONS");
    assertThat(options).isNotBlank();
    long limit = bytes(container.getResources().getLimits().get("memory"));
    long request = bytes(container.getResources().getRequests().get("memory"));
    assertThat(request).isPositive().isLessThanOrEqualTo(limit);

    Map<String, String> flags = finalFlags(options, limit);
    List<String> collectors = COLLECTORS.stream().filter(c -> "true".equals(flags.get(c))).toList();
    assertThat(collectors).hasSize(1);
    assertThat(options).as("the collector is chosen by the options, not by the container's size")
        .contains("-XX:+" + collectors.get(0));

    long heap = Long.parseUnsignedLong(flags.get("MaxHeapSize"));
    long metaspace = Long.parseUnsignedLong(flags.get("MaxMetaspaceSize"));
    long codeCache = Long.parseUnsignedLong(flags.get("ReservedCodeCacheSize"));
    long direct = Long.parseUnsignedLong(flags.get("MaxDirectMemorySize"));
    // Unbounded metaspace is 2^64-1 (negative as a signed long); direct memory 0 means "as large as
    // the heap", and Netty sizes its pool from it.
    assertThat(metaspace).as("MaxMetaspaceSize is set").isPositive().isLessThan(limit);
    assertThat(direct).as("MaxDirectMemorySize is set").isPositive().isLessThan(limit);
    assertThat(heap + metaspace + codeCache + direct)
        .as("heap %d + metaspace %d + code cache %d + direct %d MiB within the limit of %d MiB", heap >> 20,
            metaspace >> 20, codeCache >> 20, direct >> 20, limit >> 20)
        .isLessThan(limit);
    // Threads, the collector's own structures, the JIT and malloc live outside those bounds; leave
    // them at least a quarter of the limit.
    assertThat(limit - (heap + metaspace + codeCache + direct)).isGreaterThanOrEqualTo(limit / 4);
  }

  @Test
  void positiveControlAnUnboundedMetaspaceOrAnUnknownOptionIsCaught() throws Exception {
    long limit = 512L << 20;
    assertThat(finalFlags("-XX:+UseSerialGC", limit).get("MaxMetaspaceSize")).isEqualTo("18446744073709551615");
    assertThat(run("-XX:+UseSerialGC -XX:NoSuchOption=1", limit).exitCode()).isNotZero();
  }

  private ProcessRun run(String options, long limit) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Map<String, String> vars = new HashMap<>(Map.of("JAVA_TOOL_OPTIONS", options));
    String arenas = env("MALLOC_ARENA_MAX");
    if (arenas != null) {
      vars.put("MALLOC_ARENA_MAX", arenas);
    }
    return ProcessRun.run(List.of(java.toString(), "-XX:MaxRAM=" + limit, "-XX:+PrintFlagsFinal", "-version"), vars,
        Duration.ofSeconds(60));
  }

  private Map<String, String> finalFlags(String options, long limit) throws IOException, InterruptedException {
    ProcessRun r = run(options, limit);
    assertThat(r.exitCode()).as("java with JAVA_TOOL_OPTIONS=%s:%n%s", options, r.output()).isZero();
    assertThat(r.output()).contains("Picked up JAVA_TOOL_OPTIONS: " + options);
    Map<String, String> flags = new HashMap<>();
    for (String line : r.output().lines().collect(Collectors.toList())) {
      Matcher m = FLAG.matcher(line);
      if (m.matches()) {
        flags.put(m.group(1), m.group(2));
      }
    }
    assertThat(flags).containsKeys("MaxHeapSize", "UseSerialGC", "MaxMetaspaceSize");
    return flags;
  }
}
