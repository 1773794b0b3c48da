package dev.meshoperator.bench;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smoke of the load harness: bench/webhook-load.sh runs briefly (SMOKE=1) against the real webhook
 * and prints its table with numbers. It asserts that the harness works and measures something,
 * never how fast anything is.
 */
class BenchHarnessIT {

    private static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", "."));

    @Test
    void loadHarnessRunsAndPrintsItsTable() throws Exception {
        // unlike pods (DISTINCT): the targets file with many reviews; profile.sh's smoke sends the one review
        String out = smoke("bench/webhook-load.sh",
                Map.of("WARMUP", "1s", "JVM_FLAGS", "-Xmx256m", "DISTINCT", "300"), 10);
        assertThat(out).contains("TLS OpenSSL").contains("machine: ").contains("JVM flags '-Xmx256m'")
                .contains("reviews: 300 unlike pods in turn");
        // Every measured row carries a positive throughput and latencies; the 200/s rows must have
        // been answered (a harness that measured errors only would print zero 200s).
        List<String> rows = out.lines().filter(l -> l.startsWith("| closed loop") || l.startsWith("| open loop")
                || l.startsWith("| search") || l.startsWith("| new connection")).toList();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(5);
        // throughput, p50, p99, max, p99 of the requests from 1 s on ("-" when a row is shorter), errors
        Pattern measured = Pattern.compile(
                "\\| [1-9][0-9]* req/s \\| [0-9.]+ ms \\| [0-9.]+ ms \\| [0-9.]+ ms \\| (?:[0-9.]+|-) ms \\| [0-9]+ \\| .*200:[1-9]");
        assertThat(rows).allSatisfy(r -> assertThat(measured.matcher(r).find()).as(r).isTrue());
        // the closed-loop row lasts 2 s in the smoke: its requests after the first second have a p99
        assertThat(rows.get(0)).startsWith("| closed loop").containsPattern("ms \\| [0-9.]+ ms \\| [0-9]+ \\|");
        assertThat(out).containsPattern("server RSS after the load \\(peak\\) \\| [1-9][0-9]* MiB");
        assertThat(out).containsPattern("max sustainable open-loop rate .* \\| [0-9]+ req/s");
    }

    @Test
    void goReferenceServerRunsUnderTheSameTable() throws Exception {
        String out = smoke("bench/webhook-load.sh", Map.of("WARMUP", "1s", "REFERENCE", "go"), 10);
        // the reference, not our webhook, answered: its own TLS, a patch as long as ours (read off our
        // webhook's answer to the same review), and the rows measured as ours are
        assertThat(out).containsPattern("server: bench/refserver, the Go reference \\(no injection: a fixed [1-9][0-9]*-byte patch")
                .contains("TLS Go crypto/tls").doesNotContain("TLS OpenSSL");
        List<String> rows = out.lines().filter(l -> l.startsWith("| closed loop") || l.startsWith("| open loop")).toList();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(r -> assertThat(r).containsPattern("\\| [1-9][0-9]* req/s \\| .*200:[1-9]"));
    }

    @Test
    void overloadHarnessRunsAndPrintsItsRow() throws Exception {
        String out = smoke("bench/overload.sh", Map.of(), 5);
        // one run of 200/s for 2 s: answered, no errors of any kind (so no errors' p99), latencies
        // (p50, p99, p99 from 1 s on), CPU per answer, connections
        assertThat(out).containsPattern("\\| current \\| 1 \\| [1-9][0-9]* \\| 0 \\| 0 \\| 0 \\| 0 \\| [0-9.]+ ms \\| "
                + "[0-9.]+ ms \\| [0-9.]+ ms \\| - \\| [0-9.]+ ms \\| [1-9][0-9]* \\|");
    }

    @Test
    void freshClientHarnessRunsOurServerAndGosAndPrintsTheirRowsAndSummary() throws Exception {
        String out = smoke("bench/fresh-client.sh", Map.of(), 5);
        // two fresh clients of 200/s for 1 s against each server, in turn: every request answered
        // 200 (a "(N not 200)" would follow the count), p99, max, how many over 10 ms
        for (String variant : List.of("ours", "go")) {
            for (int run = 1; run <= 2; run++) {
                assertThat(out).containsPattern("\\| " + variant + " \\| " + run
                        + " \\| [1-9][0-9]* \\| [0-9.]+ ms \\| [0-9.]+ ms \\| [0-9]+ \\|");
            }
            assertThat(out).containsPattern("\\| " + variant + " \\| [0-2] of 2 \\| [0-9.]+ \\| [0-9.]+ ms \\|");
        }
    }

    @Test
    void profileHarnessRunsTheShippedJvmOptionsAndPrintsWhereTheCpuWent() throws Exception {
        String out = smoke("bench/profile.sh", Map.of(), 5);
        assertThat(out).contains("JVM flags '-XX:TieredStopAtLevel=1").contains("profiler: jfr");
        // the load's row: answered, latencies, no errors, a CPU time per answer
        assertThat(out).containsPattern("\\| [1-9][0-9]*/s \\| [1-9][0-9]*/s \\| [0-9.]+ ms \\| [0-9.]+ ms \\| [0-9.]+ ms \\| 0 \\| [0-9.]+ ms \\|");
        // samples were taken, and the webhook's own methods are among them (the inclusive table)
        assertThat(out).containsPattern("JFR execution samples: [1-9][0-9]*")
                .containsPattern("\\| [0-9.]+ % \\| dev\\.meshoperator\\.webhook\\.[A-Za-z$]+\\.[A-Za-z$0-9]+ \\|");
    }

    @Test
    void operatorStartHarnessRunsTheJarAndTheImagesArchiveAndPrintsTheirRows() throws Exception {
        String out = smoke("bench/operator-start.sh", Map.of(), 8);
        assertThat(out).contains("class data training: 4 API objects read").contains("JAVA_TOOL_OPTIONS '-XX:");
        // one row each: ready after a positive time, latencies, no errors, an RSS, the warm-up's requests
        // and its full collection before ready, the collections in the window read from the GC log
        // (the script itself exits 1 when the image row's operator did not map the archive)
        for (String config : List.of("jar", "image")) {
            assertThat(out).containsPattern("\\| " + config + " \\| 200/s \\| [1-9][0-9]* ms \\| [0-9.]+ ms \\| "
                    + "[0-9.]+ ms \\| [0-9.]+ ms \\| [0-9.]+ ms \\| 0 \\| [1-9][0-9]* MiB \\| [1-9][0-9]* requests, "
                    + "collected in [0-9]+ ms \\| [0-9]+ / [0-9]+ ms / [0-9.]+ ms / [0-9]+ full \\|");
        }
    }

    @Test
    void memoryHarnessRunsTheImageThroughLoadAndControlPlaneWorkAndPrintsItsRows() throws Exception {
        String out = smoke("bench/memory.sh", Map.of(), 8);
        // the image's candidate: the Deployment's options with the class data archive (the script exits 1
        // when the operator did not map it)
        assertThat(out).containsPattern("- image: GC SerialGC; MALLOC_ARENA_MAX=2 -XX:MaxRAM=[0-9]+m -XX:SharedArchiveFile=");
        // rows with an RSS: at rest, the load's (answered, no errors), after, and after the control-plane
        // round, whose 12 pods were all injected (the script checks each step and exits 1 otherwise)
        assertThat(out).containsPattern("\\| image \\| at rest, 1s after Ready \\| [1-9][0-9]* MiB \\|")
                .containsPattern("\\| image \\| end of open loop 200/s, 2s \\| [1-9][0-9]* MiB \\|.*\\| [1-9][0-9]* req/s \\| [0-9.]+ ms \\| 0 \\|")
                .containsPattern("\\| image \\| 1s after the load \\| [1-9][0-9]* MiB \\|")
                .containsPattern("\\| image \\| after 1 round of control-plane work \\(12 pods injected; operator CPU [1-9][0-9]* ms\\) \\| [1-9][0-9]* MiB \\|");
    }

    @Test
    void flagsAbHarnessRunsEachCandidateAndPrintsItsRowsAndSummary() throws Exception {
        String out = smoke("bench/flags-ab.sh", Map.of(), 5, "shipped", "serial:MALLOC_ARENA_MAX=2 -XX:+UseSerialGC -Xmx256m");
        // "shipped" is the Deployment's options, read from the file
        assertThat(out).containsPattern("candidate shipped: MALLOC_ARENA_MAX=2 -XX:TieredStopAtLevel=1 ");
        // one round: a row for each candidate with answers, no errors, latencies, CPU per answer and
        // RSS; then a summary line for each
        for (String name : List.of("shipped", "serial")) {
            assertThat(out).containsPattern("\\| 1 \\| " + name + " \\| [1-9][0-9]* \\| 0 \\| [0-9.]+ ms \\| [0-9.]+ ms \\| "
                    + "[0-9.]+ ms \\| [0-9.]+ ms \\| [0-9]+ \\| [0-9]+ \\| [0-9.]+ ms \\| [1-9][0-9]* MiB \\|");
            assertThat(out).containsPattern("\\| " + name + " \\| 1 \\| [0-9.]+ ms \\| [0-9.]+ ms \\| [0-9]+ \\|");
        }
    }

    /** Runs a bench script with SMOKE=1 on the test classpath; its output, once it ended with status 0. */
    private static String smoke(String script, Map<String, String> env, int minutes, String... args) throws Exception {
        Path log = Files.createTempFile(Path.of(script).getFileName().toString(), ".log");
        List<String> command = new ArrayList<>(List.of("bash", BASEDIR.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SMOKE", "1");
        pb.environment().put("CLASSPATH_OVERRIDE", System.getProperty("java.class.path"));
        pb.environment().putAll(env);
        Process run = pb.start();
        boolean finished = run.waitFor(minutes, TimeUnit.MINUTES);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished) {
            run.destroyForcibly();
        }
        assertThat(finished).as("harness finished; output:%n%s", out).isTrue();
        assertThat(run.exitValue()).as("exit status; output:%n%s", out).isZero();
        return out;
    }
}
