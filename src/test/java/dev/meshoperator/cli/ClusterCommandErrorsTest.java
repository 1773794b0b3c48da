package dev.meshoperator.cli;

import dev.meshoperator.operator.DurationConverter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cluster commands' errors without any cluster: one line, a hint, exit 1. */
class ClusterCommandErrorsTest {
  @TempDir
  Path dir;

  /** A kubeconfig naming a port nothing listens on. */
  private String unreachableKubeconfig() throws IOException {
    return MeshctlRun.unreachableKubeconfig(dir, Ports.free()).toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"install --profile minimal", "uninstall", "verify-install", "precheck", "analyze", "operator",
      "create-remote-secret --name cluster-b", "upgrade --version 1.31.4"})
  void unreachableClusterIsOneLineWithAHintAndExit1(String command) throws IOException {
    String kubeconfig = unreachableKubeconfig();
    String port = Files.readString(Path.of(kubeconfig)).replaceAll("(?s).*127\\.0\\.0\\.1:(\\d+).*", "$1");
    String[] args = ("--kubeconfig " + kubeconfig + " " + command).split(" ");
    long t0 = System.nanoTime();

    MeshctlRun run = MeshctlRun.of(args);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err().lines()).as(run.toString()).containsExactly(
        "meshctl: error: cannot reach the cluster at https://127.0.0.1:" + port + ": connection refused",
        "hint: " + ClusterConnection.KUBECONFIG_HINT);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void kubeconfigOptionWorksAfterTheCommandToo() throws IOException {
    MeshctlRun run = MeshctlRun.of("precheck", "--kubeconfig", unreachableKubeconfig());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err()).startsWith("meshctl: error: cannot reach the cluster at https://127.0.0.1:");
  }

  @Test
  void operatorUsesTheKubeconfigOptionAndNotTheEnvironment() throws IOException {
    // Issue 8: `meshctl operator --kubeconfig FILE` used to ignore FILE and try
    // https://kubernetes.default.svc (a bare UnresolvedAddressException outside a pod).
    String kubeconfig = unreachableKubeconfig();
    MeshctlRun run = MeshctlRun.of("operator", "--kubeconfig", kubeconfig, "--webhook-port=0", "--health-port=0");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err().lines()).as(run.toString()).hasSize(2).first().asString()
        .startsWith("meshctl: error: cannot reach the cluster at https://127.0.0.1:")
        .doesNotContain("kubernetes.default.svc");
  }

  @Test
  void missingKubeconfigFileIsNamed() {
    MeshctlRun run = MeshctlRun.of("--kubeconfig", dir.resolve("nope").toString(), "verify-install");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err().lines()).first().isEqualTo("meshctl: error: kubeconfig " + dir.resolve("nope") + " does not exist");
  }

  @Test
  void invalidMeshInstallIsRefusedBeforeTouchingTheCluster() throws IOException {
    MeshctlRun run = MeshctlRun.of("--kubeconfig", unreachableKubeconfig(), "install", "--profile", "nope");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).startsWith("meshctl: error: unknown profile 'nope'");
  }

  @Test
  void badTimeoutIsAUsageError() {
    MeshctlRun run = MeshctlRun.of("install", "--timeout", "soon");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("'soon' is not a duration");
  }

  @Test
  void demoWithoutBinariesSaysToRunTheScript() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KUBE_API_TEST_DIR") == null,
        "KUBE_API_TEST_DIR decides where the binaries are");
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.toString());
    try {
      MeshctlRun run = MeshctlRun.of("demo", "--exit-after-ready");

      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(run.err().lines()).hasSize(2);
      assertThat(run.err()).startsWith("meshctl: error: the local cluster binaries are missing: " + dir.resolve(".kubeapitest"))
          .contains("hint: run hack/kube-testenv.sh");
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void durationsReadAndPrintLikeKubectl() {
    var c = new DurationConverter();
    assertThat(c.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(c.convert("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.format(Duration.ofMinutes(5))).isEqualTo("5m0s");
    assertThat(DurationConverter.format(Duration.ofMillis(12_340))).isEqualTo("12.3s");
  }
}
