package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The logging the packaged jars set up (LogConfigurator, found by logback through the shaded
 * jar's merged META-INF/services), in a JVM of their own with no test resources: the layout on
 * stderr and nothing on stdout, the level property, the quieted fabric8 logger, no logback XML
 * configuration read (no Joran class loaded), and a configuration file given with
 * {@code -Dlogback.configurationFile} still taking over (the control: then Joran is loaded).
 */
class LogConfiguratorJarIT {
  private static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", ".")).toAbsolutePath();
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  /** What reads a logback XML file (ConsoleTarget and JoranException, in Joran's packages too, load either way). */
  private static final String JORAN = "ch.qos.logback.classic.joran.JoranConfigurator ";
  private static final String XML_PARSER = "com.sun.org.apache.xerces.internal.parsers.";
  private static final String INFO_LINE = "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\S*LogProbe - probe info$";

  @TempDir
  Path dir;

  record Run(int exitCode, String out, String err, String classesLoaded) {}

  private Run probe(String jar, String... jvmOptions) throws IOException, InterruptedException {
    Path jarPath = BASEDIR.resolve("target").resolve(jar);
    assumeTrue(Files.isRegularFile(jarPath), "target/" + jar + " is not built; run `mvn verify`");
    // the probe class alone: target/test-classes would bring the tests' logback-test.xml
    Path classes = dir.resolve("probe");
    Path probe = classes.resolve("dev/meshoperator/wiring/LogProbe.class");
    Files.createDirectories(probe.getParent());
    Files.copy(BASEDIR.resolve("target/test-classes/dev/meshoperator/wiring/LogProbe.class"), probe,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path loaded = dir.resolve("classes-" + System.nanoTime() + ".log");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    List<String> command = new ArrayList<>(List.of(JAVA, "-Xlog:class+load:file=" + loaded));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", jarPath + java.io.File.pathSeparator + classes, LogProbe.class.getName()));
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the probe finished within 60 s").isTrue();
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err), Files.readString(loaded));
  }

  @ParameterizedTest
  @ValueSource(strings = {"meshctl.jar", "mesh-operator.jar"})
  void infoOnStderrInTheProjectsLayoutWithoutReadingXml(String jar) throws Exception {
    Run run = probe(jar);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).as("stdout stays clean for meshctl's output").isEmpty();
    assertThat(run.err()).containsPattern(INFO_LINE).contains("WARN  ").contains("probe warn")
        .doesNotContain("probe debug").doesNotContain("quieted warn").contains("quieted error");
    assertThat(run.classesLoaded()).contains(LogConfigurator.class.getName())
        .doesNotContain(JORAN).doesNotContain(XML_PARSER);
  }

  @ParameterizedTest
  @ValueSource(strings = {"meshctl.jar", "mesh-operator.jar"})
  void theLevelPropertyRaisesIt(String jar) throws Exception {
    Run run = probe(jar, "-D" + LogConfigurator.LEVEL_PROPERTY + "=DEBUG");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("DEBUG").contains("probe debug").containsPattern(INFO_LINE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"meshctl.jar", "mesh-operator.jar"})
  void aConfigurationFileGivenToLogbackTakesOver(String jar) throws Exception {
    Path xml = dir.resolve("mine.xml");
    Files.writeString(xml, """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>MINE %level %msg%n</pattern></encoder>
          </appender>
          <root level="DEBUG"><appender-ref ref="OUT"/></root>
        </configuration>
        """);
    Run run = probe(jar, "-Dlogback.configurationFile=" + xml);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("MINE DEBUG probe debug").contains("MINE INFO probe info")
        .contains("MINE WARN quieted warn");
    assertThat(run.err()).doesNotContainPattern(INFO_LINE);
    assertThat(run.classesLoaded()).contains(JORAN).contains(XML_PARSER);
  }
}
