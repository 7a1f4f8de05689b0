package io.meshpulse.topology.parse;

import io.meshpulse.model.Rfc3339;

/**
 * {@link Rfc3339#parseMillis(String, int, int)} over UTF-8 bytes, with the same rules and results (a test checks
 * the two against each other); the calendar and the final sum are {@link Rfc3339}'s own. Any non-ASCII byte fails a digit or separator check, as the char version fails on
 * any non-ASCII char, so the byte and char lengths differing for such input does not change the answer.
 *
 * <p>Consecutive access-log lines almost always share their date, so the day number of the last date seen is kept:
 * an instance is not thread-safe.
 */
final class Rfc3339Bytes {

    /** The {@code YYYY-MM-DD} of the last valid date, as the eight bytes after the first two. */
    private long lastDateWord;
    private boolean haveLast;
    private int lastYear;
    private int lastMonth;
    private int lastDay;
    private long lastDays;

    long parseMillis(byte[] b, int s, int e) {
        if (e - s == 24) {
            long t = millis24(b, s);
            if (t != Rfc3339.INVALID) return t;
        }
        if (e - s < 19) return Rfc3339.INVALID;
        int year;
        int month;
        int day;
        long days;
        long dateWord = ByteText.word(b, s + 2); // e - s >= 19, so these eight bytes are inside the line
        if (haveLast && dateWord == lastDateWord && b[s] == (byte) ('0' + lastYear / 1000)
                && b[s + 1] == (byte) ('0' + lastYear / 100 % 10)) {
            year = lastYear;
            month = lastMonth;
            day = lastDay;
            days = lastDays;
        } else {
            year = digits(b, s, 4);
            month = digits(b, s + 5, 2);
            day = digits(b, s + 8, 2);
            if ((year | month | day) < 0 || b[s + 4] != '-' || b[s + 7] != '-') return Rfc3339.INVALID;
            days = Rfc3339.epochDay(year, month, day);
            if (days == Rfc3339.INVALID) return Rfc3339.INVALID;
            haveLast = true;
            lastDateWord = dateWord;
            lastYear = year;
            lastMonth = month;
            lastDay = day;
            lastDays = days;
        }
        int hour = digits(b, s + 11, 2);
        int minute = digits(b, s + 14, 2);
        int second = digits(b, s + 17, 2);
        if ((hour | minute | second) < 0
                || (b[s + 10] != 'T' && b[s + 10] != 't') || b[s + 13] != ':' || b[s + 16] != ':') {
            return Rfc3339.INVALID;
        }
        int p = s + 19;
        int millis = 0;
        if (p < e && b[p] == '.') {
            p++;
            int count = 0;
            while (p < e && b[p] >= '0' && b[p] <= '9') {
                if (count < 3) millis = millis * 10 + (b[p] - '0');
                count++;
                p++;
            }
            if (count == 0 || count > 9) return Rfc3339.INVALID;
            for (int i = count; i < 3; i++) millis *= 10;
        }
        int offsetSeconds = 0;
        if (p < e) {
            byte z = b[p];
            if (z == 'Z' || z == 'z') {
                p++;
            } else if (z == '+' || z == '-') {
                int oh = digits(b, p + 1, 2, e);
                int q = p + 3;
                if (q < e && b[q] == ':') q++;
                int om = digits(b, q, 2, e);
                if (oh < 0 || om < 0 || oh > 23 || om > 59) return Rfc3339.INVALID;
                offsetSeconds = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
                p = q + 2;
            } else {
                return Rfc3339.INVALID;
            }
        }
        if (p != e) return Rfc3339.INVALID;
        return Rfc3339.millis(days, hour, minute, second, millis, offsetSeconds);
    }

    /** {@code HH:MM:SS} as a little-endian word: the digits as '0', the colons as themselves. */
    private static final long HMS = 0x30303A30303A3030L;
    /** {@code .mmmZ} as a little-endian word. */
    private static final long FRACTION = 0x5A3030302EL;
    private static final long HIGHS = 0x8080808080808080L;
    /** Added to bytes 0 to 9, sets no high bit; added to 10 and above, sets it. */
    private static final long NINE = 0x7676767676767676L;

    /**
     * Envoy's default {@code %START_TIME%}, {@code YYYY-MM-DDTHH:MM:SS.mmmZ} on the date of the line before, read
     * from three words without a branch per digit: {@link Rfc3339#INVALID} for anything else (another length of
     * fraction, an offset, a new date, a lower-case letter, a bad digit), which {@link #parseMillis} then reads the
     * general way with the same result. {@code b} holds the 24 bytes from {@code s}.
     */
    private long millis24(byte[] b, int s) {
        if (!haveLast || ByteText.word(b, s + 2) != lastDateWord || b[s] != (byte) ('0' + lastYear / 1000)
                || b[s + 1] != (byte) ('0' + lastYear / 100 % 10) || b[s + 10] != 'T') {
            return Rfc3339.INVALID;
        }
        // x: digits become 0..9 and the colons 0 when the bytes are what they should be
        long x = ByteText.word(b, s + 11) ^ HMS;
        long y = (ByteText.word(b, s + 16) >>> 24) ^ FRACTION;
        if ((((x + NINE) | x) & HIGHS) != 0 || (x & 0x0000FF0000FF0000L) != 0
                || (((y + NINE) | y) & HIGHS) != 0 || (y & 0xFF000000FFL) != 0) {
            return Rfc3339.INVALID;
        }
        long pairs = x * 10 + (x >>> 8); // bytes 0, 3 and 6: hour, minute, second
        int hour = (int) (pairs & 0xFF);
        int minute = (int) (pairs >>> 24) & 0xFF;
        int second = (int) (pairs >>> 48) & 0xFF;
        int millis = (int) ((y >>> 8) & 0xFF) * 100 + (int) ((y >>> 16) & 0xFF) * 10 + (int) ((y >>> 24) & 0xFF);
        return Rfc3339.millis(lastDays, hour, minute, second, millis, 0);
    }

    private static int digits(byte[] b, int at, int count, int limit) {
        return at + count > limit ? -1 : digits(b, at, count);
    }

    private static int digits(byte[] b, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }
}
