package dev.meshoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.webhook.CertificateManager;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The operator jar's entry point reads the Deployment's arguments as meshctl operator does. */
class OperatorMainTest {
  private static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", ".")).toAbsolutePath();

  private static OperatorMain parse(String... args) {
    OperatorMain main = new OperatorMain();
    CommandLine cmd = new CommandLine(main);
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.parseArgs(OperatorMain.withoutOperatorCommand(args));
    return main;
  }

  @Test
  void deploymentArgumentsStartTheOperatorTheyDescribe() throws Exception {
    Deployment d = Serialization.unmarshal(Files.readString(BASEDIR.resolve("deploy/03-deployment.yaml")), Deployment.class);
    List<String> args = d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
    assertThat(args).first().isEqualTo("operator");

    OperatorProcess.Options options = parse(args.toArray(String[]::new)).options.processOptions();
    assertThat(options.webhook().port()).isEqualTo(9443);
    assertThat(options.webhook().managementPort()).isEqualTo(8080);
    assertThat(options.webhook().serviceName()).isEqualTo("mesh-operator");
    assertThat(options.webhook().urlHost()).isEmpty();
    assertThat(options.webhook().certificates()).isEqualTo(CertificateManager.Mode.MANAGED);
    assertThat(options.defaultFailurePolicy()).isEqualTo(FailurePolicy.Fail);
    assertThat(options.leaderElectionIdentity()).isPresent();
    assertThat(options.userAgent()).isEqualTo(OperatorProcess.USER_AGENT);
  }

  @Test
  void aLeadingOperatorArgumentIsOptionalAndOnlyDroppedInFront() {
    assertThat(OperatorMain.withoutOperatorCommand(new String[] {"operator", "--webhook-port=1"}))
        .containsExactly("--webhook-port=1");
    assertThat(OperatorMain.withoutOperatorCommand(new String[] {"--webhook-port=1"})).containsExactly("--webhook-port=1");
    assertThat(OperatorMain.withoutOperatorCommand(new String[] {})).isEmpty();

    OperatorProcess.Options options = parse("--pod-name=p-1", "--leader-election", "--namespace=ops",
        "--certificates=EXTERNAL", "--default-failure-policy=ignore", "--webhook-url-host=10.0.0.1").options.processOptions();
    assertThat(options.leaderElectionIdentity()).isEqualTo(Optional.of("p-1"));
    assertThat(options.webhook().operatorNamespace()).isEqualTo("ops");
    assertThat(options.webhook().certificates()).isEqualTo(CertificateManager.Mode.EXTERNAL);
    assertThat(options.webhook().urlHost()).contains("10.0.0.1");
    assertThat(options.defaultFailurePolicy()).isEqualTo(FailurePolicy.Ignore);
    assertThat(parse().options.processOptions().leaderElectionIdentity()).isEmpty();
    assertThat(parse().options.processOptions().webhook().bindAddress().getHostAddress()).isEqualTo("0.0.0.0");
    assertThat(parse("--webhook-bind-address=127.0.0.2").options.processOptions().webhook().bindAddress()
        .getHostAddress()).isEqualTo("127.0.0.2");
  }

  @Test
  void theWebhookWarmsUpForTwoSecondsUnlessToldOtherwise() {
    assertThat(parse().options.processOptions().webhook().warmUp()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(parse("--webhook-warm-up=500ms").options.processOptions().webhook().warmUp())
        .isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(parse("--webhook-warm-up=0").options.processOptions().webhook().warmUp()).isZero();
  }

  @Test
  void theLogLevelIsReadBeforeParsingAndSetOnTheRunningLogbackOnlyWhenGiven() {
    assertThat(dev.meshoperator.wiring.LogConfigurator.levelOption(new String[] {"operator", "--log-level=debug"})).contains("debug");
    assertThat(dev.meshoperator.wiring.LogConfigurator.levelOption(new String[] {"--log-level", "warn", "--leader-election"}))
        .contains("warn");
    assertThat(dev.meshoperator.wiring.LogConfigurator.levelOption(new String[] {"--log-level=warn", "--log-level=trace"}))
        .as("the last one, as picocli takes it").contains("trace");
    assertThat(dev.meshoperator.wiring.LogConfigurator.levelOption(new String[] {"--leader-election", "--log-level"})).isEmpty();
    assertThat(dev.meshoperator.wiring.LogConfigurator.levelOption(new String[] {"--", "--log-level=debug"})).isEmpty();

    var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.classic.Level before = root.getLevel();
    try {
      parse().options.applyLogLevel();
      assertThat(root.getLevel()).as("not given: left as it was").isEqualTo(before);
      parse("--log-level=DEBUG").options.applyLogLevel();
      assertThat(root.getLevel()).isEqualTo(ch.qos.logback.classic.Level.DEBUG);
      parse("--log-level=warn").options.applyLogLevel();
      assertThat(root.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
    } finally {
      root.setLevel(before);
    }
  }

  @Test
  void wrongValuesAreOneLineErrors() {
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cmd = OperatorMain.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));

    assertThat(cmd.execute(OperatorMain.withoutOperatorCommand(new String[] {"operator", "--certificates=bogus"}))).isEqualTo(2);
    assertThat(err.toString()).isEqualToIgnoringNewLines("mesh-operator: error: --certificates must be managed or external,"
        + " not 'bogus' (use --certificates=external when cert-manager maintains the Secret) (see 'mesh-operator --help')");
    assertThat(cmd.execute("--webhook-port=many")).isEqualTo(2);
    assertThat(err.toString()).contains("mesh-operator: error: Invalid value for option '--webhook-port'");

    assertThat(cmd.execute("--webhook-warm-up=soon")).isEqualTo(2);
    assertThat(err.toString()).contains("mesh-operator: error: Invalid value for option '--webhook-warm-up'");

    assertThat(cmd.execute("--log-level=verbose")).isEqualTo(2);
    assertThat(err.toString()).contains("mesh-operator: error: Invalid value for option '--log-level': expected one of"
        + " [ERROR, WARN, INFO, DEBUG, TRACE] (case-insensitive) but was 'verbose'");

    assertThat(cmd.execute("--kubeconfig=/nonexistent/kubeconfig")).isEqualTo(1);
    assertThat(err.toString()).contains("mesh-operator: error: IllegalArgumentException: kubeconfig /nonexistent/kubeconfig does not exist");
  }
}
