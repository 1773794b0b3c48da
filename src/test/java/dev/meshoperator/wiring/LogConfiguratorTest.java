package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The operator's and meshctl's logging set up in code, on a LoggerContext of its own (the tests'
 * own logging, from logback-test.xml, is left alone). LogConfiguratorJarIT runs the packaged jars.
 */
class LogConfiguratorTest {

  private static LoggerContext configured(Map<String, String> properties, Set<String> resources,
      ExecutionStatus expected) {
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator = new LogConfigurator(properties::get, resources::contains);
    configurator.setContext(context);
    assertThat(configurator.configure(context)).isEqualTo(expected);
    return context;
  }

  private static List<Appender<?>> appenders(ch.qos.logback.classic.Logger logger) {
    List<Appender<?>> all = new ArrayList<>();
    logger.iteratorForAppenders().forEachRemaining(all::add);
    return all;
  }

  @Test
  void linesGoToStderrAtInfoInTheProjectsLayout() {
    LoggerContext context = configured(Map.of(), Set.of(), ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);

    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(appenders(root)).singleElement().isInstanceOfSatisfying(ConsoleAppender.class, a -> {
      assertThat(a.isStarted()).isTrue();
      assertThat(a.getTarget()).isEqualTo("System.err");
      assertThat(((PatternLayoutEncoder) a.getEncoder()).getPattern())
          .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
    });
    // fabric8's "unstable version v1alpha1" warning about our own API: errors only
    assertThat(context.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").getLevel())
        .isEqualTo(Level.ERROR);
    assertThat(context.getLogger("dev.meshoperator").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void theLevelPropertySetsTheRootLevel() {
    assertThat(configured(Map.of(LogConfigurator.LEVEL_PROPERTY, "DEBUG"), Set.of(),
        ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY).getLogger(Logger.ROOT_LOGGER_NAME).getLevel())
        .isEqualTo(Level.DEBUG);
    assertThat(configured(Map.of(LogConfigurator.LEVEL_PROPERTY, " warn "), Set.of(),
        ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY).getLogger(Logger.ROOT_LOGGER_NAME).getLevel())
        .isEqualTo(Level.WARN);
  }

  @Test
  void anUnknownLevelMeansInfoNotDebug() {
    assertThat(LogConfigurator.level("loud")).isEqualTo(Level.INFO);
    assertThat(LogConfigurator.level("")).isEqualTo(Level.INFO);
    assertThat(LogConfigurator.level(null)).isEqualTo(Level.INFO);
    assertThat(LogConfigurator.level("error")).isEqualTo(Level.ERROR);
    assertThat(LogConfigurator.level("TRACE")).isEqualTo(Level.TRACE);
    assertThat(LogConfigurator.level("off")).isEqualTo(Level.OFF);
  }

  @Test
  void aConfigurationFileGivenByLogbacksOwnMeansWins() {
    for (var given : List.of(
        new Object[] {Map.of("logback.configurationFile", "/etc/mine.xml"), Set.of()},
        new Object[] {Map.of(), Set.of("logback-test.xml")},
        new Object[] {Map.of(), Set.of("logback.xml")})) {
      @SuppressWarnings("unchecked")
      LoggerContext context = configured((Map<String, String>) given[0], (Set<String>) given[1],
          ExecutionStatus.INVOKE_NEXT_IF_ANY);
      ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      assertThat(appenders(root)).as("given %s %s", given[0], given[1]).isEmpty();
      assertThat(context.getLogger(LogConfigurator.QUIETED_LOGGER).getLevel()).isNull();
    }
  }

  @Test
  void logbackFindsItAsAService() {
    assertThat(ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
        .map(ServiceLoader.Provider::type)).contains(LogConfigurator.class);
  }
}
