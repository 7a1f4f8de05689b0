package io.meshpulse.model;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** RFC 3339 formatting used on every topic: UTC, milliseconds. */
public final class Times {
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** 10000-01-01T00:00:00Z: from there on the year has five digits, which the slow path handles. */
    private static final long FAST_UNTIL = 253_402_300_800_000L;

    /**
     * The last second formatted, as {@code yyyy-MM-ddTHH:mm:ss.}: consecutive times (a file's lines, a window's
     * bounds) mostly fall in the same second. Immutable, so a racing thread sees either the old or the new pair.
     */
    private record Second(long epochSecond, String prefix) {}

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private Times() {}

    public static String rfc3339(long epochMillis) {
        if (epochMillis < 0 || epochMillis >= FAST_UNTIL) return MILLIS.format(Instant.ofEpochMilli(epochMillis));
        long second = epochMillis / 1000;
        int ms = (int) (epochMillis % 1000);
        Second s = last;
        if (s.epochSecond() != second) {
            s = new Second(second, prefix(second));
            last = s;
        }
        int n = s.prefix().length();
        char[] out = new char[n + 4];
        s.prefix().getChars(0, n, out, 0);
        put(out, n, ms, 3);
        out[n + 3] = 'Z';
        return new String(out);
    }

    private static String prefix(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        char[] c = new char[20];
        put(c, 0, t.getYear(), 4);
        c[4] = '-';
        put(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, t.getHour(), 2);
        c[13] = ':';
        put(c, 14, t.getMinute(), 2);
        c[16] = ':';
        put(c, 17, t.getSecond(), 2);
        c[19] = '.';
        return new String(c);
    }

    private static void put(char[] c, int at, int value, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
