package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Every command's help shows how to use it; the completion scripts complete meshctl's real commands. */
class HelpAndCompletionTest {

  /** Every command, the root included, by its full name ("meshctl manifest generate"). */
  private static List<CommandLine> allCommands(CommandLine command) {
    List<CommandLine> all = new ArrayList<>();
    all.add(command);
    // aliases appear as extra keys of the same CommandLine: visit each once
    command.getSubcommands().values().stream().distinct().forEach(sub -> all.addAll(allCommands(sub)));
    return all;
  }

  @Test
  void everyCommandsHelpHasAnExampleOfItself() {
    List<CommandLine> commands = allCommands(Meshctl.commandLine());
    assertThat(commands).hasSizeGreaterThan(15);
    for (CommandLine command : commands) {
      String name = command.getCommandSpec().qualifiedName();
      String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertThat(usage).as(name).contains("\nExamples:\n");
      String examples = usage.substring(usage.indexOf("\nExamples:\n"));
      // the command's own name, or for a group one of its subcommands, used in a line that starts with meshctl
      List<String> names = new ArrayList<>(List.of(name));
      command.getSubcommands().values().forEach(s -> names.add(s.getCommandSpec().qualifiedName()));
      List<String> exampleLines = examples.lines().map(String::strip).filter(l -> l.contains("meshctl ")).toList();
      assertThat(exampleLines).as(name + ":\n" + usage).anySatisfy(line ->
          assertThat(names).anySatisfy(n -> assertThat(line + " ").contains(n + " ")));
    }
  }

  @Test
  void helpWorksForEveryCommandThroughTheHelpCommandToo() {
    MeshctlRun run = MeshctlRun.of("help", "install");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Usage: meshctl install").contains("meshctl install --set profile=demo -y");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bash", "zsh"})
  void completionPrintsAScript(String shell) {
    MeshctlRun run = MeshctlRun.of("completion", shell);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).contains("complete -F").contains("manifest").contains("dashboard");
    if (shell.equals("zsh")) {
      assertThat(run.out()).startsWith("#compdef meshctl\n").contains("bashcompinit");
    }
  }

  @Test
  void completionOfAnUnknownShellIsAUsageError() {
    MeshctlRun run = MeshctlRun.of("completion", "fish");
    MeshctlRun none = MeshctlRun.of("completion");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err().lines()).hasSize(2).first().asString().startsWith("meshctl: error: Invalid value for positional parameter at index 0 (SHELL): expected one of [bash, zsh]");
    assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  /** The bash script, loaded into a real bash, completes commands, subcommands and options. */
  @Test
  void bashCompletesCommandsSubcommandsAndOptions(@TempDir Path dir) throws IOException, InterruptedException {
    Path script = dir.resolve("meshctl.bash");
    Files.writeString(script, MeshctlRun.of("completion", "bash").out());

    assertThat(complete(script, "meshctl ma")).containsExactly("manifest");
    assertThat(complete(script, "meshctl manifest ")).contains("generate", "apply");
    assertThat(complete(script, "meshctl manifest apply --sk")).containsExactly("--skip-confirmation", "--skip-operator");
    assertThat(complete(script, "meshctl dashboard ")).contains("prometheus", "grafana", "envoy");
    // positive control: nothing completes a word that starts no command
    assertThat(complete(script, "meshctl zz")).isEmpty();
  }

  /** What bash offers for {@code line} (the cursor at its end), as the completion function computes it. */
  private static List<String> complete(Path script, String line) throws IOException, InterruptedException {
    String[] words = line.split(" ", -1);
    StringBuilder array = new StringBuilder();
    for (String w : words) {
      array.append("'").append(w).append("' ");
    }
    // compopt only works while bash itself runs a completion; here the function is called directly.
    String program = "compopt() { :; }\nsource " + script + "\n"
        + "COMP_WORDS=(" + array + ")\n"
        + "COMP_CWORD=" + (words.length - 1) + "\n"
        + "COMP_LINE='" + line + "'\nCOMP_POINT=${#COMP_LINE}\n"
        + "_complete_meshctl meshctl '" + words[words.length - 1] + "' '" + words[words.length - 2] + "'\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    Process bash = new ProcessBuilder("bash", "-c", program).redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(out).isZero();
    return out.lines().filter(l -> !l.isBlank()).map(String::strip).sorted().toList();
  }
}
