package io.meshpulse.app.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations as people write them: 500ms, 10s, 5m, 1h (or ISO-8601 PT10S). */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String v) {
        try {
            if (v.startsWith("P") || v.startsWith("p")) return Duration.parse(v);
            if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new TypeConversionException("unknown unit in '" + v + "' (use ms, s, m or h)");
            };
        } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
            throw new TypeConversionException("not a duration: '" + v + "' (e.g. 10s, 5m)");
        }
    }
}
