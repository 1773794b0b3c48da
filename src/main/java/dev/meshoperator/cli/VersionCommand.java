package dev.meshoperator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "version", mixinStandardHelpOptions = true,
    description = "Print meshctl's version, the Istio version it installs by default, and the Java runtime.",
    footer = {"", "Examples:", "  meshctl version"})
final class VersionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "Output format: text (default), yaml or json.")
  OutputFormat output = OutputFormat.TEXT;

  @Override
  public Integer call() {
    VersionInfo info = VersionInfo.current();
    var out = spec.commandLine().getOut();
    switch (output) {
      case TEXT -> info.lines().forEach(out::println);
      case JSON -> out.println(Yaml.json(info.asMap()));
      case YAML -> out.print(Yaml.yaml(info.asMap()));
      default -> throw CliException.usage("version prints text, yaml or json, not " + output.wire(), "use -o text, -o yaml or -o json");
    }
    return ExitCodes.OK;
  }
}
