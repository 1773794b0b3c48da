package dev.meshoperator.wiring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a line at each level, and two through the quieted fabric8 logger; run by LogConfiguratorJarIT beside a packaged jar. */
public final class LogProbe {
  private LogProbe() {}

  public static void main(String[] args) {
    Logger log = LoggerFactory.getLogger(LogProbe.class);
    log.debug("probe debug");
    log.info("probe info");
    log.warn("probe warn");
    Logger quieted = LoggerFactory.getLogger(LogConfigurator.QUIETED_LOGGER);
    quieted.warn("quieted warn");
    quieted.error("quieted error");
  }
}
