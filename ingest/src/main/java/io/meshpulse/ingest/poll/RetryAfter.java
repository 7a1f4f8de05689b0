package io.meshpulse.ingest.poll;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads an HTTP {@code Retry-After} value: delay-seconds, or an HTTP-date. */
public final class RetryAfter {
    private static final Duration MAX = Duration.ofMinutes(10);

    private RetryAfter() {}

    /** The wait it asks for, capped at 10 minutes; null when absent or unreadable. */
    public static Duration parse(String value, Instant now) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : cap(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : cap(d);
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    /** Azure's {@code retry-after-ms} / {@code x-ms-retry-after-ms}, in milliseconds. */
    public static Duration parseMillis(String value) {
        if (value == null || value.isBlank()) return null;
        try {
            long ms = Long.parseLong(value.trim());
            return ms < 0 ? null : cap(Duration.ofMillis(ms));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Duration cap(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
