package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import dev.meshoperator.operator.ClassDataTraining;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The Dockerfile, read as Docker reads it (no engine here to build it): its build stage copies
 * everything {@code mvn package} reads, and the image runs the operator jar as a numeric non-root
 * user. It once forgot deploy/, which pom.xml copies into the jar, and the build did not notice.
 */
class DockerfileTest {
  private static final Path DOCKERFILE = Manifests.BASEDIR.resolve("Dockerfile");
  private static final Path POM = Manifests.BASEDIR.resolve("pom.xml");

  /** One instruction: its keyword, flags (--from=...) and arguments; continuation lines joined. */
  record Instruction(String keyword, List<String> flags, List<String> args) {}

  /** The instructions of each stage, in order. */
  static List<List<Instruction>> stages(String dockerfile) {
    List<List<Instruction>> stages = new ArrayList<>();
    StringBuilder logical = new StringBuilder();
    List<String> lines = new ArrayList<>();
    for (String line : dockerfile.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      logical.append(trimmed);
      lines.add(logical.toString());
      logical.setLength(0);
    }
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      List<String> words = new ArrayList<>(List.of(line.split("\\s+")));
      String keyword = words.remove(0).toUpperCase(java.util.Locale.ROOT);
      List<String> flags = new ArrayList<>();
      while (!words.isEmpty() && words.get(0).startsWith("--")) {
        flags.add(words.remove(0));
      }
      if (keyword.equals("FROM")) {
        stages.add(new ArrayList<>());
      }
      assertThat(stages).as("an instruction before the first FROM: %s", line).isNotEmpty();
      stages.get(stages.size() - 1).add(new Instruction(keyword, flags, words));
    }
    return stages;
  }

  /** Paths outside src/ and target/ that pom.xml's build (not a profile's) reads. */
  static Set<String> pathsThePomReads() throws Exception {
    var factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(false);
    Document pom = factory.newDocumentBuilder().parse(POM.toFile());
    Element build = null;
    for (Node n = pom.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals("build")) {
        build = e;
      }
    }
    assertThat(build).as("pom.xml has a <build>").isNotNull();
    Set<String> paths = new LinkedHashSet<>();
    // Resource and source directories, and any file or directory a plugin is configured with.
    for (String tag : List.of("directory", "source", "sourceDirectory", "file", "basedir")) {
      NodeList nodes = build.getElementsByTagName(tag);
      for (int i = 0; i < nodes.getLength(); i++) {
        String value = nodes.item(i).getTextContent().strip().replace("${project.basedir}/", "");
        if (!value.startsWith("${project.build.directory}") && !value.startsWith("target")) {
          paths.add(value.split("/")[0]);
        }
      }
    }
    return paths;
  }

  @Test
  void buildStageCopiesEverythingMavenPackageReads() throws Exception {
    List<List<Instruction>> stages = stages(Files.readString(DOCKERFILE));
    assertThat(stages).hasSize(2);
    List<Instruction> build = stages.get(0);
    Set<String> copied = new LinkedHashSet<>();
    build.stream().filter(i -> i.keyword().equals("COPY") && i.flags().stream().noneMatch(f -> f.startsWith("--from")))
        .forEach(i -> i.args().subList(0, i.args().size() - 1).forEach(src -> copied.add(src.replaceAll("/$", ""))));

    Set<String> needed = new LinkedHashSet<>(List.of("pom.xml", "src"));
    Set<String> read = pathsThePomReads();
    // Positive control: the pom is read, and it does read deploy/ (the resource the image once lacked).
    assertThat(read).contains("src", "deploy");
    needed.addAll(read);
    assertThat(copied).as("COPY in the build stage").containsAll(needed);
    for (String path : needed) {
      assertThat(Manifests.BASEDIR.resolve(path)).as("%s exists in the repository", path).exists();
    }
    // .dockerignore must not hide what is copied.
    List<String> ignored = Files.readAllLines(Manifests.BASEDIR.resolve(".dockerignore")).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertThat(ignored).doesNotContainAnyElementsOf(needed);

    assertThat(build).filteredOn(i -> i.keyword().equals("RUN")).singleElement()
        .satisfies(run -> assertThat(run.args()).contains("mvn", "package"));
  }

  @Test
  void theClassDataTrainingParsesTheDeploymentsArgs() throws Exception {
    var deployment = Manifests.single(Manifests.parseDir(Manifests.DEPLOY),
        io.fabric8.kubernetes.api.model.apps.Deployment.class);
    assertThat(ClassDataTraining.DEPLOYMENT_ARGS)
        .as("the training starts what deploy/03-deployment.yaml starts; the archive misses what it does not load")
        .isEqualTo(OperatorPodAssertions.operatorContainer(deployment).getArgs());
  }

  @Test
  void imageRunsTheOperatorJarAsANumericNonRootUser() throws Exception {
    List<Instruction> image = stages(Files.readString(DOCKERFILE)).get(1);
    String jar = "/app/mesh-operator.jar";
    assertThat(image).filteredOn(i -> i.keyword().equals("COPY")).singleElement().satisfies(copy -> {
      assertThat(copy.flags()).contains("--from=build");
      // The jar the shade plugin writes for the operator (pom.xml), not meshctl.jar.
      assertThat(copy.args()).containsExactly("/src/target/mesh-operator.jar", jar);
    });
    assertThat(Files.readString(POM)).contains("<outputFile>${project.build.directory}/mesh-operator.jar</outputFile>");

    Instruction user = image.stream().filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b).orElseThrow();
    assertThat(user.args()).singleElement().satisfies(u -> {
      assertThat(u).matches("[0-9]+(:[0-9]+)?");
      assertThat(Long.parseLong(u.split(":")[0])).as("uid").isPositive();
    });
    Instruction entrypoint = image.stream().filter(i -> i.keyword().equals("ENTRYPOINT")).reduce((a, b) -> b).orElseThrow();
    String exec = String.join(" ", entrypoint.args());
    assertThat(exec).startsWith("[\"java\"").contains("\"-jar\", \"" + jar + "\"");
    // The class data archive: trained in this stage (its java, its jar path) and mapped by ENTRYPOINT.
    String archive = "/app/mesh-operator.jsa";
    assertThat(image).filteredOn(i -> i.keyword().equals("RUN")).singleElement().satisfies(run -> {
      assertThat(run.args()).contains("java", "-XX:ArchiveClassesAtExit=" + archive, "-cp", jar,
          ClassDataTraining.class.getName());
      assertThat(image.indexOf(run)).as("trained after the jar is copied, before USER")
          .isGreaterThan(image.indexOf(image.stream().filter(i -> i.keyword().equals("COPY")).findFirst().orElseThrow()))
          .isLessThan(image.indexOf(user));
    });
    assertThat(exec).contains("\"-XX:SharedArchiveFile=" + archive + "\"");
    assertThat(exec).as("a java that cannot map the archive still starts").doesNotContain("-Xshare:on");
    // Nothing declared that would need a writable root filesystem.
    assertThat(image).noneMatch(i -> i.keyword().equals("VOLUME"));
  }
}
