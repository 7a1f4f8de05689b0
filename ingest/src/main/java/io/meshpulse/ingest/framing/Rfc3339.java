package io.meshpulse.ingest.framing;

/**
 * Reads the RFC 3339 timestamps container runtimes write ({@code 2016-10-06T00:17:09.669794202Z}: 0 to 9
 * fractional digits, since Go trims trailing zeros; {@code Z} or a {@code ±HH:MM} offset) without allocating.
 */
final class Rfc3339 {

    static final long INVALID = Long.MIN_VALUE;

    private Rfc3339() {}

    /** Epoch millis of {@code s[from, to)}, or {@link #INVALID}. */
    static long parseMillis(String s, int from, int to) {
        if (to - from < 20) return INVALID;
        int year = num(s, from, 4);
        int month = num(s, from + 5, 2);
        int day = num(s, from + 8, 2);
        int hour = num(s, from + 11, 2);
        int minute = num(s, from + 14, 2);
        int second = num(s, from + 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || s.charAt(from + 4) != '-'
                || s.charAt(from + 7) != '-' || s.charAt(from + 10) != 'T' || s.charAt(from + 13) != ':'
                || s.charAt(from + 16) != ':' || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23
                || minute > 59 || second > 60) {
            return INVALID;
        }
        int p = from + 19;
        int millis = 0;
        if (s.charAt(p) == '.') {
            p++;
            int digits = 0;
            while (p < to && Character.isDigit(s.charAt(p)) && s.charAt(p) < 128) {
                if (digits < 3) millis = millis * 10 + (s.charAt(p) - '0');
                digits++;
                p++;
            }
            if (digits == 0 || digits > 9) return INVALID;
            for (int i = digits; i < 3; i++) millis *= 10;
        }
        if (p >= to) return INVALID;
        int offset;
        char z = s.charAt(p);
        if (z == 'Z') {
            offset = 0;
            p++;
        } else if ((z == '+' || z == '-') && p + 6 == to && s.charAt(p + 3) == ':') {
            int oh = num(s, p + 1, 2);
            int om = num(s, p + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59) return INVALID;
            offset = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
            p += 6;
        } else {
            return INVALID;
        }
        if (p != to) return INVALID;
        long days = daysFromCivil(year, month, day);
        return (days * 86_400L + hour * 3_600L + minute * 60L + Math.min(second, 59) - offset) * 1000L + millis;
    }

    private static int num(String s, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** Days since the epoch of a Gregorian date (the well-known era/day-of-era arithmetic). */
    private static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }
}
