package dev.meshoperator.operator;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** kubectl's durations (meshctl's options and the operator's): {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 500ms}; a bare number is seconds. */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

  @Override
  public Duration convert(String value) {
    String text = value.strip();
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher m = PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMillis(n);
      });
      end = m.end();
    }
    if (end == 0 || end != text.length()) {
      throw new TypeConversionException("'" + value + "' is not a duration (examples: 90s, 5m, 1h30m)");
    }
    return total;
  }

  /** Back in kubectl's style: {@code 5m0s}, {@code 12.3s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = d.toSeconds();
    return (s >= 3600 ? s / 3600 + "h" : "") + (s % 3600) / 60 + "m" + s % 60 + "s";
  }
}
