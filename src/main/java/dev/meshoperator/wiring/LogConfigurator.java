package dev.meshoperator.wiring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;

/**
 * The logging of the operator and of meshctl, set up in code (logback finds it through
 * {@code META-INF/services}): lines on stderr, so that meshctl's stdout (YAML, JSON, tables) stays
 * clean for pipes, as {@code HH:mm:ss.SSS LEVEL logger - message}; the root level INFO, or the
 * system property {@value #LEVEL_PROPERTY} (meshctl's {@code --debug} sets it to DEBUG, the
 * operator's {@code --log-level} to its value, and {@code -Dmeshctl.log.level=WARN} quiets it).
 *
 * <p>Why not a logback.xml: reading one costs the process's first logger about 150 ms of a core
 * (the JDK's XML parser and logback's Joran: a meshctl command loads 465 classes fewer without
 * it), and that logger is created first thing in both the operator's start and every meshctl
 * command (bench/RESULTS.md, 2026-12-06 15:05-16:38 UTC).
 *
 * <p>A logback configuration given by its usual means still wins: the system property
 * {@code logback.configurationFile}, or a {@code logback-test.xml} or {@code logback.xml} on the
 * class path (the tests have one); then this configurator steps aside and logback reads that file.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  /** System property: the root level (TRACE, DEBUG, INFO, WARN, ERROR, OFF); INFO when unset or unknown. */
  public static final String LEVEL_PROPERTY = "meshctl.log.level";
  /** The line layout. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";
  /** Logs only errors: "resource type meshinstalls with unstable version v1alpha1" is our own API, no news to users. */
  static final String QUIETED_LOGGER = "io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils";

  private final Function<String, String> systemProperty;
  private final Predicate<String> onClassPath;

  /** As logback's ServiceLoader creates it: this JVM's system properties and class path. */
  public LogConfigurator() {
    this(System::getProperty, resource -> LogConfigurator.class.getClassLoader().getResource(resource) != null);
  }

  LogConfigurator(Function<String, String> systemProperty, Predicate<String> onClassPath) {
    this.systemProperty = systemProperty;
    this.onClassPath = onClassPath;
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (systemProperty.apply("logback.configurationFile") != null || onClassPath.test("logback-test.xml")
        || onClassPath.test("logback.xml")) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(systemProperty.apply(LEVEL_PROPERTY)));
    root.addAppender(stderr);
    context.getLogger(QUIETED_LOGGER).setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** The operator's command-line option for the root level: {@code --log-level=debug} or {@code --log-level debug}. */
  public static final String LEVEL_OPTION = "--log-level";

  /**
   * The value of {@value #LEVEL_OPTION} in {@code args}, the last one when it is given twice, read
   * before the command line is parsed: the first logger (which configures logging) is created
   * before that, so the level has to be known first.
   */
  public static java.util.Optional<String> levelOption(String[] args) {
    String value = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith(LEVEL_OPTION + "=")) {
        value = args[i].substring(LEVEL_OPTION.length() + 1);
      } else if (args[i].equals(LEVEL_OPTION) && i + 1 < args.length) {
        value = args[++i];
      } else if (args[i].equals("--")) {
        break;
      }
    }
    return java.util.Optional.ofNullable(value);
  }

  /** Sets the root logger's level in the running logback, whoever configured it. */
  public static void setRootLevel(String name) {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level(name));
    }
  }

  /** The named level; INFO when none or not a level's name (logback's own parsing would say DEBUG). */
  static Level level(String name) {
    if (name == null) {
      return Level.INFO;
    }
    return switch (name.trim().toUpperCase(Locale.ROOT)) {
      case "ALL", "TRACE" -> Level.TRACE;
      case "DEBUG" -> Level.DEBUG;
      case "WARN", "WARNING" -> Level.WARN;
      case "ERROR" -> Level.ERROR;
      case "OFF" -> Level.OFF;
      default -> Level.INFO;
    };
  }
}
