package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged target/meshctl.jar, run as a user runs it: a separate JVM, through bin/meshctl too.
 * Runs after `package` (failsafe) and needs no cluster; it proves that the shaded jar starts, has
 * its manifest version, and that fabric8's merged META-INF/services still serialize objects.
 */
class MeshctlJarIT {
  private static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", ".")).toAbsolutePath();
  private static final Path JAR = BASEDIR.resolve("target/meshctl.jar");
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  record Result(int exitCode, String out, String err) {}

  @TempDir
  static Path CACHE;

  // Failsafe runs this after `package`, so the jar is there. A surefire run selected with -Dtest
  // (which ignores the *IT exclusion) before any packaging has nothing to test.
  @BeforeAll
  static void jarExists() {
    assumeTrue(Files.isRegularFile(JAR), "target/meshctl.jar is not built; run `mvn verify`");
  }

  private static Result run(String stdin, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("meshctl-out", ".txt");
    Path err = Files.createTempFile("meshctl-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.environment().put("XDG_CACHE_HOME", CACHE.toString()); // bin/meshctl's class-data archives
      pb.environment().remove("MESHCTL_JAR");
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("meshctl finished within 60 s").isTrue();
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static Result jar(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return run(stdin, command);
  }

  private static String projectVersion() throws IOException {
    Matcher m = Pattern.compile("<artifactId>mesh-operator</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(BASEDIR.resolve("pom.xml")));
    assertThat(m.find()).as("project version in pom.xml").isTrue();
    return m.group(1);
  }

  @Test
  void versionComesFromTheJarManifest() throws Exception {
    Result r = jar(null, "version");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("meshctl version: " + projectVersion()).contains("default Istio version: ");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void binWrapperFindsTheJar() throws Exception {
    Result r = run(null, List.of("bash", BASEDIR.resolve("bin/meshctl").toString(), "version"));

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("meshctl version: " + projectVersion());
  }

  /** The JIT level bin/meshctl starts a command's JVM with, from the JVM's own flag table. */
  private static String tieredStopAtLevel(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("env", "MESHCTL_JAVA_OPTS=-XX:+PrintFlagsFinal", "bash",
        BASEDIR.resolve("bin/meshctl").toString()));
    command.addAll(List.of(args));
    Result r = run(null, command);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Matcher m = Pattern.compile("intx TieredStopAtLevel\\s+=\\s+(\\d)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return m.group(1);
  }

  @Test
  void binWrapperStopsAtTheQuickJitForShortCommandsOnly() throws Exception {
    assertThat(tieredStopAtLevel("version")).isEqualTo("1");
    assertThat(tieredStopAtLevel("--kubeconfig", "/nonexistent", "analyze", "--help")).isEqualTo("1");
    assertThat(tieredStopAtLevel("operator", "--help")).isEqualTo("4");
    assertThat(tieredStopAtLevel("demo", "--help")).isEqualTo("4");
  }

  @Test
  void binWrapperSharesClassDataFromTheSecondRunOfACommand(@TempDir Path cache) throws Exception {
    String bin = BASEDIR.resolve("bin/meshctl").toString();
    String env = "XDG_CACHE_HOME=" + cache;
    Result plain = jar(null, "version");

    // The first run writes the command's archive at its exit; its output is the jar's own.
    Result first = run(null, List.of("env", env, "bash", bin, "version"));
    assertThat(first).isEqualTo(plain);
    try (var files = Files.list(cache.resolve("meshctl"))) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .singleElement().satisfies(name -> assertThat(name).startsWith("version-").endsWith(".jsa"));
    }
    // The next run maps it: meshctl's classes come from the archive, the output is the same.
    Result second = run(null, List.of("env", env, "MESHCTL_JAVA_OPTS=-Xlog:class+load", "bash", bin, "version"));
    assertThat(second.exitCode()).isZero();
    assertThat(second.out()).contains("dev.meshoperator.cli.VersionCommand source: shared objects file (top)")
        .contains(plain.out());
    assertThat(run(null, List.of("env", env, "bash", bin, "version"))).isEqualTo(plain);
    // Control: switched off, the same class comes from the jar.
    Result off = run(null, List.of("env", env, "MESHCTL_CDS=0", "MESHCTL_JAVA_OPTS=-Xlog:class+load", "bash", bin, "version"));
    assertThat(off.out()).contains("dev.meshoperator.cli.VersionCommand source: ")
        .doesNotContain("dev.meshoperator.cli.VersionCommand source: shared objects file");
  }

  @Test
  void manifestGenerateWorksOffline() throws Exception {
    Result r = jar(null, "manifest", "generate", "--profile", "minimal");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("---\n").contains("kind: \"Deployment\"").contains("name: \"istiod\"");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void kubeInjectFromStdin() throws Exception {
    Result r = jar("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx}]}
        """, "kube-inject", "-f", "-");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("name: \"istio-proxy\"").contains("name: \"istio-init\"");
  }

  @Test
  void usageErrorExitsTwoWithoutStackTrace() throws Exception {
    Result r = jar(null, "instal");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("meshctl: error: unknown command 'instal'").doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }
}
