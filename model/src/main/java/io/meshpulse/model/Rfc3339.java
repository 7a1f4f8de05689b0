package io.meshpulse.model;

/**
 * Hand-rolled RFC 3339 reader for START_TIME values such as {@code 2020-10-29T03:22:16.126Z}: any number of
 * fractional digits (only milliseconds are kept), and {@code Z}, {@code +HH:MM}, {@code +HHMM} or no zone (read
 * as UTC). java.time would allocate a parser context per call; this does not allocate at all.
 */
public final class Rfc3339 {

    /** Returned when the text is not a timestamp. */
    public static final long INVALID = Long.MIN_VALUE;

    private static final int[] DAYS_IN_MONTH = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private Rfc3339() {}

    public static long parseMillis(String b, int s, int e) {
        if (e - s < 19) return INVALID;
        int year = digits(b, s, 4);
        int month = digits(b, s + 5, 2);
        int day = digits(b, s + 8, 2);
        int hour = digits(b, s + 11, 2);
        int minute = digits(b, s + 14, 2);
        int second = digits(b, s + 17, 2);
        if ((year | month | day | hour | minute | second) < 0
                || b.charAt(s + 4) != '-' || b.charAt(s + 7) != '-' || (b.charAt(s + 10) != 'T' && b.charAt(s + 10) != 't')
                || b.charAt(s + 13) != ':' || b.charAt(s + 16) != ':') {
            return INVALID;
        }
        long days = epochDay(year, month, day);
        if (days == INVALID) return INVALID;
        int p = s + 19;
        int millis = 0;
        if (p < e && b.charAt(p) == '.') {
            p++;
            int count = 0;
            while (p < e && b.charAt(p) >= '0' && b.charAt(p) <= '9') {
                if (count < 3) millis = millis * 10 + (b.charAt(p) - '0');
                count++;
                p++;
            }
            if (count == 0 || count > 9) return INVALID;
            for (int i = count; i < 3; i++) millis *= 10;
        }
        int offsetSeconds = 0;
        if (p < e) {
            char z = b.charAt(p);
            if (z == 'Z' || z == 'z') {
                p++;
            } else if (z == '+' || z == '-') {
                int oh = digits(b, p + 1, 2, e);
                int q = p + 3;
                if (q < e && b.charAt(q) == ':') q++;
                int om = digits(b, q, 2, e);
                if (oh < 0 || om < 0 || oh > 23 || om > 59) return INVALID;
                offsetSeconds = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
                p = q + 2;
            } else {
                return INVALID;
            }
        }
        if (p != e) return INVALID;
        return millis(days, hour, minute, second, millis, offsetSeconds);
    }

    /**
     * Days since 1970-01-01 of a valid proleptic Gregorian date, or {@link #INVALID} when the date does not exist.
     * Shared with the byte-level reader of the access-log parser.
     */
    public static long epochDay(int year, int month, int day) {
        if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]
                || (month == 2 && day == 29 && !leap(year))) {
            return INVALID;
        }
        return daysFromCivil(year, month, day);
    }

    /**
     * Epoch milliseconds of a time of day on {@code epochDay}, shifted by the zone offset, or {@link #INVALID} when
     * the time of day is out of range. A leap second (:60) is kept in the minute it belongs to.
     */
    public static long millis(long epochDay, int hour, int minute, int second, int millis, int offsetSeconds) {
        if (hour > 23 || minute > 59 || second > 60) return INVALID;
        if (second == 60) second = 59;
        return (epochDay * 86_400L + hour * 3_600L + minute * 60L + second - offsetSeconds) * 1000L + millis;
    }

    private static int digits(String b, int at, int count, int limit) {
        return at + count > limit ? -1 : digits(b, at, count);
    }

    private static int digits(String b, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            int d = b.charAt(i) - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    private static boolean leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    private static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }
}
