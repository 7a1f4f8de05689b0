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
