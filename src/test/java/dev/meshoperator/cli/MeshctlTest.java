package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeshctlTest {

  @Test
  void versionPrintsMeshctlIstioAndJava() {
    MeshctlRun run = MeshctlRun.of("version");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    // Run from classes there is no jar manifest; MeshctlJarIT checks the packaged version.
    assertThat(run.out()).contains("meshctl version: " + VersionInfo.current().meshctl())
        .contains("default Istio version: " + dev.meshoperator.profile.IstioVersions.defaultVersion())
        .contains("java: " + System.getProperty("java.version"));
    assertThat(run.err()).isEmpty();
  }

  @Test
  void versionAsJson() {
    MeshctlRun run = MeshctlRun.of("version", "-o", "json");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(Yaml.tree(run.out()).path("defaultIstio").asText()).isEqualTo(dev.meshoperator.profile.IstioVersions.defaultVersion());
  }

  @Test
  void rootVersionFlagMatchesVersionCommand() {
    assertThat(MeshctlRun.of("--version").out()).isEqualTo(MeshctlRun.of("version").out());
  }

  @Test
  void helpListsCommands() {
    MeshctlRun run = MeshctlRun.of("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("manifest", "kube-inject", "check-inject", "version");
  }

  @Test
  void noCommandIsAUsageError() {
    MeshctlRun run = MeshctlRun.of();

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).containsExactly("meshctl: error: no command given", "hint: see 'meshctl --help'");
  }

  @Test
  void unknownCommandSuggestsTheNearestOne() {
    MeshctlRun run = MeshctlRun.of("kube-injct");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err().lines()).hasSize(2);
    assertThat(run.err()).startsWith("meshctl: error: unknown command 'kube-injct'")
        .contains("hint: did you mean kube-inject");
  }

  @Test
  void unknownOptionNamesTheCommandsHelp() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--profil", "demo");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).startsWith("meshctl: error: unknown option '--profil'")
        .contains("meshctl manifest generate --help");
  }

  @Test
  void failuresAreOneLineWithoutStackTrace() {
    MeshctlRun run = MeshctlRun.of("kube-inject", "-f", "/no/such/file.yaml");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err().lines()).containsExactly(
        "meshctl: error: file not found: /no/such/file.yaml", "hint: check the path given to -f");
  }

  @Test
  void debugAddsTheStackTrace() {
    MeshctlRun run = MeshctlRun.of("--debug", "kube-inject", "-f", "/no/such/file.yaml");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err()).startsWith("meshctl: error: file not found").contains("\tat dev.meshoperator.cli.");
  }

  @Test
  void debugIsAcceptedAfterTheSubcommandToo() {
    MeshctlRun run = MeshctlRun.of("version", "--debug");

    assertThat(run.exitCode()).as(run.toString()).isZero();
  }
}
