package io.meshpulse.topology.parse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Scanning and decoding helpers over ranges of a UTF-8 {@code byte[]}.
 *
 * <p>Every delimiter the parser looks for ({@code space " [ ] { } , : \}) is ASCII, and in UTF-8 no byte of a
 * multi-byte character is below 0x80, so a byte search finds exactly the positions a char search over the decoded
 * line would, and a range between two delimiters decodes to the same text as the matching substring of the
 * decoded line. Searches read eight bytes at a time (SWAR: a zero-byte test on {@code word ^ pattern}).
 */
final class ByteText {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = ONES * ' ';
    private static final long BRACES = ONES * '{';
    private static final long MIX = 0x9E3779B97F4A7C15L;

    private ByteText() {}

    static long word(byte[] b, int at) {
        return (long) LONGS.get(b, at);
    }

    /** High bit set in each byte of {@code x} that is zero; the lowest flagged byte is exact, higher ones may not be. */
    private static long zeros(long x) {
        return (x - ONES) & ~x & HIGHS;
    }

    /**
     * The index (0 to 32) of the first flagged byte of four consecutive words (32 when none is), without a branch:
     * a word's flags count only when the words before it have none (only the lowest flag of a word is sure to be
     * exact, see {@link #zeros}).
     */
    private static int firstOf(long m0, long m1, long m2, long m3) {
        int t0 = Long.numberOfTrailingZeros(m0) >>> 3; // 8 when the word has no flag
        int t1 = Long.numberOfTrailingZeros(m1) >>> 3;
        int t2 = Long.numberOfTrailingZeros(m2) >>> 3;
        int t3 = Long.numberOfTrailingZeros(m3) >>> 3;
        int a = t0 + (t1 & -(t0 >>> 3)); // 0 to 16
        int c = t2 + (t3 & -(t2 >>> 3));
        return a + (c & -(a >>> 4));
    }

    /**
     * {@link #indexOf}, eight bytes a step and small enough for C2 to inline: for callers that search many short
     * strings (the JSON reader, a search per key and per value), where a call per search costs more than the
     * blocks of {@link #indexOf} save.
     */
    static int indexOfInline(byte[] b, int c, int from, int to) {
        final long pattern = ONES * (c & 0xff);
        int i = from;
        final int limit = Math.min(to, b.length - 7);
        for (; i < limit; i += 8) {
            long m = zeros(word(b, i) ^ pattern);
            if (m != 0) {
                int p = i + (Long.numberOfTrailingZeros(m) >>> 3);
                return p < to ? p : -1;
            }
        }
        for (; i < to; i++) {
            if (b[i] == c) return i;
        }
        return -1;
    }

    /**
     * First index of {@code c} in {@code b[from, to)}, or -1.
     *
     * <p>Most values the parser looks for the end of are shorter than 64 bytes, so the first 32 bytes, and then the
     * next 32, are each tested at once, without a branch per word: a search then ends without the mispredicted loop
     * exit that a word-by-word search pays once a value (about eight cycles, where testing 32 bytes costs about
     * the same). Longer values go on eight bytes at a time.
     *
     * <p>The tests are written out rather than split into helpers on purpose: C2 does not inline a method this
     * long (past its FreqInlineSize of 325 bytecodes), so the parser's many call sites share one compiled copy,
     * and the callers stay small enough for C2 to inline them (the values' own checks, and the shortcut for
     * {@code -}, then sit at each call site). Inlined everywhere, the searches made the line parser's compiled code
     * several times larger and about 10 % slower.
     */
    static int indexOf(byte[] b, int c, int from, int to) {
        final long pattern = ONES * (c & 0xff);
        int i = from;
        // a block may read past the range (what it finds there is not taken) but not past the array
        if (from + 32 <= b.length && to - from > 8) {
            long x0 = (long) LONGS.get(b, i) ^ pattern;
            long x1 = (long) LONGS.get(b, i + 8) ^ pattern;
            long x2 = (long) LONGS.get(b, i + 16) ^ pattern;
            long x3 = (long) LONGS.get(b, i + 24) ^ pattern;
            int first = firstOf((x0 - ONES) & ~x0 & HIGHS, (x1 - ONES) & ~x1 & HIGHS, (x2 - ONES) & ~x2 & HIGHS,
                    (x3 - ONES) & ~x3 & HIGHS);
            if (first < 32) {
                int p = i + first;
                return p < to ? p : -1;
            }
            i += 32;
            if (i < to && i + 32 <= b.length) {
                x0 = (long) LONGS.get(b, i) ^ pattern;
                x1 = (long) LONGS.get(b, i + 8) ^ pattern;
                x2 = (long) LONGS.get(b, i + 16) ^ pattern;
                x3 = (long) LONGS.get(b, i + 24) ^ pattern;
                first = firstOf((x0 - ONES) & ~x0 & HIGHS, (x1 - ONES) & ~x1 & HIGHS, (x2 - ONES) & ~x2 & HIGHS,
                        (x3 - ONES) & ~x3 & HIGHS);
                if (first < 32) {
                    int p = i + first;
                    return p < to ? p : -1;
                }
                i += 32;
            }
        }
        final int limit = Math.min(to, b.length - 7);
        for (; i < limit; i += 8) {
            long x = (long) LONGS.get(b, i) ^ pattern;
            long m = (x - ONES) & ~x & HIGHS;
            if (m != 0) {
                int p = i + (Long.numberOfTrailingZeros(m) >>> 3);
                return p < to ? p : -1;
            }
        }
        for (; i < to; i++) {
            if (b[i] == c) return i;
        }
        return -1;
    }

    /**
     * First index of a space or a {@code {} in {@code b[from, to)}, or {@code to}. Written out like
     * {@link #indexOf}, for the same reasons.
     */
    static int spaceOrBrace(byte[] b, int from, int to) {
        int i = from;
        if (from + 32 <= b.length && to - from > 8) {
            long w0 = (long) LONGS.get(b, i);
            long w1 = (long) LONGS.get(b, i + 8);
            long w2 = (long) LONGS.get(b, i + 16);
            long w3 = (long) LONGS.get(b, i + 24);
            long s0 = w0 ^ SPACES;
            long s1 = w1 ^ SPACES;
            long s2 = w2 ^ SPACES;
            long s3 = w3 ^ SPACES;
            long c0 = w0 ^ BRACES;
            long c1 = w1 ^ BRACES;
            long c2 = w2 ^ BRACES;
            long c3 = w3 ^ BRACES;
            int first = firstOf(((s0 - ONES) & ~s0 | (c0 - ONES) & ~c0) & HIGHS,
                    ((s1 - ONES) & ~s1 | (c1 - ONES) & ~c1) & HIGHS, ((s2 - ONES) & ~s2 | (c2 - ONES) & ~c2) & HIGHS,
                    ((s3 - ONES) & ~s3 | (c3 - ONES) & ~c3) & HIGHS);
            if (first < 32) return Math.min(i + first, to);
            i += 32;
            if (i < to && i + 32 <= b.length) {
                w0 = (long) LONGS.get(b, i);
                w1 = (long) LONGS.get(b, i + 8);
                w2 = (long) LONGS.get(b, i + 16);
                w3 = (long) LONGS.get(b, i + 24);
                s0 = w0 ^ SPACES;
                s1 = w1 ^ SPACES;
                s2 = w2 ^ SPACES;
                s3 = w3 ^ SPACES;
                c0 = w0 ^ BRACES;
                c1 = w1 ^ BRACES;
                c2 = w2 ^ BRACES;
                c3 = w3 ^ BRACES;
                first = firstOf(((s0 - ONES) & ~s0 | (c0 - ONES) & ~c0) & HIGHS,
                        ((s1 - ONES) & ~s1 | (c1 - ONES) & ~c1) & HIGHS,
                        ((s2 - ONES) & ~s2 | (c2 - ONES) & ~c2) & HIGHS,
                        ((s3 - ONES) & ~s3 | (c3 - ONES) & ~c3) & HIGHS);
                if (first < 32) return Math.min(i + first, to);
                i += 32;
            }
        }
        final int limit = Math.min(to, b.length - 7);
        for (; i < limit; i += 8) {
            long w = (long) LONGS.get(b, i);
            long x = w ^ SPACES;
            long y = w ^ BRACES;
            long m = ((x - ONES) & ~x | (y - ONES) & ~y) & HIGHS;
            if (m != 0) return Math.min(i + (Long.numberOfTrailingZeros(m) >>> 3), to);
        }
        for (; i < to; i++) {
            if (b[i] == ' ' || b[i] == '{') return i;
        }
        return to;
    }

    /**
     * Hash of {@code b[s, e)}: every eight-byte word folded in with a rotate-and-add (one cycle of latency per word,
     * where a multiply per word would cost three), then folded and mixed once. Equal hashes are confirmed by
     * {@link #rangeEquals}, so a collision costs a cache slot, never a wrong value.
     */
    static int hash(byte[] b, int s, int e) {
        int len = e - s;
        long h = len;
        if (len >= 8) {
            int i = s;
            for (; i < e - 8; i += 8) h = Long.rotateLeft(h, 19) + word(b, i);
            h = Long.rotateLeft(h, 19) + word(b, e - 8); // the last eight bytes, overlapping the previous word
        } else if (s + 8 <= b.length) {
            h += word(b, s) & ((1L << (len << 3)) - 1);
        } else {
            for (int i = s; i < e; i++) h = (h << 8) + (b[i] & 0xff);
        }
        // Fold the high half down before the multiply: a multiply only carries a difference upwards, so two keys
        // differing only in high bits of h (one digit of a port number, say) would otherwise share a slot.
        h ^= h >>> 32;
        h *= MIX;
        int x = (int) (h >>> 32); // the upper half of the product depends on every bit below it
        return x ^ (x >>> 16);
    }

    /** True when {@code key} equals {@code b[s, s + key.length)}; compares eight bytes at a time. */
    static boolean rangeEquals(byte[] key, byte[] b, int s) {
        int len = key.length;
        if (len >= 8) {
            for (int i = 0; i < len - 8; i += 8) {
                if (word(key, i) != word(b, s + i)) return false;
            }
            return word(key, len - 8) == word(b, s + len - 8);
        }
        for (int i = 0; i < len; i++) {
            if (key[i] != b[s + i]) return false;
        }
        return true;
    }

    /** The number of bytes {@code word} starts with before its first space, 0 to 8 (its lowest bytes first). */
    static int spaceCount(long word) {
        return Long.numberOfTrailingZeros(zeros(word ^ SPACES)) >>> 3;
    }

    /**
     * The number of ASCII digits {@code word} starts with (its lowest bytes first), 0 to 8. A byte is flagged when
     * it is above {@code '9'} (adding 0x46 sets its high bit), below {@code '0'} (subtracting 0x30 borrows into its
     * high bit) or not ASCII; carries and borrows only run upwards from a flagged byte, so the lowest flag is exact.
     */
    static int digitCount(long word) {
        long flagged = ((word + 0x4646464646464646L) | (word - 0x3030303030303030L) | word) & HIGHS;
        return Long.numberOfTrailingZeros(flagged) >>> 3;
    }

    /**
     * The value of the first {@code count} (1 to 8) bytes of {@code word}, all ASCII digits: they are moved to the
     * top so the missing ones read as leading zeros, then adjacent digits, pairs and quads are combined with three
     * multiplies (eight digits in parallel rather than one after another).
     */
    static long digitsValue(long word, int count) {
        long v = (word - 0x3030303030303030L) << ((8 - count) << 3); // bytes past the digits fall off the top
        v = v * 10 + (v >>> 8); // even bytes: two-digit numbers
        v = (((v & 0x000000FF000000FFL) * (100 + (1_000_000L << 32)))
                + (((v >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32)))) >>> 32;
        return v;
    }

    /** True when the sixteen bytes from {@code at} are all ASCII ({@code at + 16 <= b.length}). */
    static boolean ascii16(byte[] b, int at) {
        return ((word(b, at) | word(b, at + 8)) & HIGHS) == 0;
    }

    static boolean isDash(byte[] b, int s, int e) {
        return e - s == 1 && b[s] == '-';
    }

    /** {@code b[s, e)} decoded as UTF-8 (the JDK copies pure-ASCII ranges without decoding). */
    static String string(byte[] b, int s, int e) {
        return new String(b, s, e - s, StandardCharsets.UTF_8);
    }

    /** Like {@link #string}, but null for a lone {@code -} (Envoy's "unset"). */
    static String value(byte[] b, int s, int e) {
        if (e - s == 1 && b[s] == '-') return null;
        return new String(b, s, e - s, StandardCharsets.UTF_8);
    }

    /** True when {@code b[at, ...)} starts with the ASCII text {@code t} within {@code [at, e)}. */
    static boolean startsWithAscii(byte[] b, int at, int e, String t) {
        int len = t.length();
        if (at < 0 || e - at < len) return false;
        for (int i = 0; i < len; i++) {
            if (b[at + i] != t.charAt(i)) return false;
        }
        return true;
    }

    /**
     * The number of UTF-16 chars that {@code b[s, e)} decodes to: how a position in the bytes reads as a position
     * in the decoded line, for messages that quote one. Only used when rejecting a line.
     */
    static int charCount(byte[] b, int s, int e) {
        for (int i = s; i < e; i++) {
            if (b[i] < 0) return string(b, s, e).length();
        }
        return e - s;
    }

    /**
     * A short, printable excerpt of {@code b[s, e)}: the same text {@link AccessLogParser#excerpt(String, int, int)}
     * gives for the matching range of the decoded line (at most 40 chars, {@code ...} when cut).
     */
    static String excerpt(byte[] b, int s, int e) {
        // 200 bytes decode to at least 50 chars, so cutting there never changes the first 40 nor the "..."
        int stop = Math.min(e, s + 200);
        String head = string(b, s, stop);
        return AccessLogParser.excerpt(head, 0, head.length());
    }
}
