package io.meshpulse.model;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** RFC 3339 formatting used on every topic: UTC, milliseconds. */
public final class Times {
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    private Times() {}

    public static String rfc3339(long epochMillis) {
        return MILLIS.format(Instant.ofEpochMilli(epochMillis));
    }
}
