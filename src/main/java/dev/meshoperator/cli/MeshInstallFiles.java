package dev.meshoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Problem;
import dev.meshoperator.profile.Profiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Reading a MeshInstall from YAML, naming profiles, and refusing invalid ones the same way everywhere. */
final class MeshInstallFiles {
  private MeshInstallFiles() {}

  /** The one MeshInstall document in a file (other documents, such as a Namespace, are ignored). */
  static MeshInstall read(String file) {
    YamlDocuments docs = YamlDocuments.parse(InputFiles.read(file));
    List<String> found = new ArrayList<>();
    MeshInstall install = null;
    for (YamlDocuments.Document doc : docs.documents()) {
      if (doc.isEmpty()) {
        continue;
      }
      JsonNode tree = parse(file, doc.text());
      if ("MeshInstall".equals(tree.path("kind").asText())) {
        found.add(tree.path("metadata").path("name").asText("(unnamed)"));
        install = convert(file, tree);
      }
    }
    if (found.isEmpty()) {
      throw CliException.failure(file + " holds no MeshInstall",
          "the file needs a document with apiVersion: meshoperator.dev/v1alpha1 and kind: MeshInstall");
    }
    if (found.size() > 1) {
      throw CliException.failure(file + " holds " + found.size() + " MeshInstalls (" + String.join(", ", found) + ")",
          "keep one MeshInstall per file");
    }
    return install;
  }

  static JsonNode parse(String file, String text) {
    try {
      JsonNode tree = Yaml.tree(text);
      if (tree == null || !tree.isObject()) {
        throw CliException.failure(file + ": a document is not a YAML mapping", "each document must be a Kubernetes object");
      }
      return tree;
    } catch (CliException e) {
      throw e;
    } catch (RuntimeException e) {
      throw CliException.failure(file + " is not valid YAML: " + ErrorReporter.oneLine(ErrorReporter.describe(e)),
          "check the indentation near the position given", e);
    }
  }

  private static MeshInstall convert(String file, JsonNode tree) {
    try {
      return Yaml.mapper().treeToValue(tree, MeshInstall.class);
    } catch (Exception e) {
      String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw CliException.failure(file + ": not a valid MeshInstall: " + ErrorReporter.oneLine(why),
          "compare with examples/ or kubectl explain meshinstall.spec", e);
    }
  }

  static Profile profile(String name) {
    return Arrays.stream(Profile.values())
        .filter(p -> p.wireName().equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(() -> CliException.usage("unknown profile '" + name + "'",
            "profiles: " + String.join(", ", Arrays.stream(Profile.values()).map(Profile::wireName).toList())));
  }

  /** Stops with every problem as a {@code field: reason} line when the MeshInstall is not sound. */
  static void requireValid(MeshInstall install, String source) {
    List<Problem> problems = Profiles.validate(install);
    if (!problems.isEmpty()) {
      throw CliException.failure(
          source + " is invalid (" + problems.size() + (problems.size() == 1 ? " problem)" : " problems)"),
          "fix the fields listed above; the operator would refuse this MeshInstall the same way",
          problems.stream().map(Problem::toString).toList());
    }
  }
}
