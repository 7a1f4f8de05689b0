package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The SWAR number helpers of {@link ByteText} against a byte-at-a-time reading of the same eight bytes. */
class ByteTextTest {

    private static int leadingDigits(byte[] b) {
        int n = 0;
        while (n < 8 && b[n] >= '0' && b[n] <= '9') n++;
        return n;
    }

    private static long value(byte[] b, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) v = v * 10 + (b[i] - '0');
        return v;
    }

    private static void check(byte[] b) {
        long w = ByteText.word(b, 0);
        int count = leadingDigits(b);
        assertEquals(count, ByteText.digitCount(w), () -> java.util.Arrays.toString(b));
        if (count > 0) assertEquals(value(b, count), ByteText.digitsValue(w, count), () -> java.util.Arrays.toString(b));
    }

    @Test
    void searchesFindTheFirstMatchInsideTheRangeOnly() {
        Random r = new Random(3L);
        byte[] alphabet = {'a', ' ', '{', '"', '}', (byte) 0x80, 0, (byte) 0xa0, (byte) 0xfb, (byte) 0xe0};
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[1 + r.nextInt(90)];
            // sparse delimiters, so matches land anywhere in the first 32 bytes and beyond
            for (int j = 0; j < b.length; j++) b[j] = r.nextInt(12) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) 'x';
            int from = r.nextInt(b.length);
            int to = from + r.nextInt(b.length - from + 1);
            int quote = -1;
            int spaceOrBrace = to;
            for (int j = to - 1; j >= from; j--) {
                if (b[j] == '"') quote = j;
                if (b[j] == ' ' || b[j] == '{') spaceOrBrace = j;
            }
            int f = from;
            int t = to;
            assertEquals(quote, ByteText.indexOf(b, '"', from, to), () -> java.util.Arrays.toString(b) + " " + f + " " + t);
            assertEquals(quote, ByteText.indexOfInline(b, '"', from, to),
                    () -> java.util.Arrays.toString(b) + " " + f + " " + t);
            assertEquals(spaceOrBrace, ByteText.spaceOrBrace(b, from, to),
                    () -> java.util.Arrays.toString(b) + " " + f + " " + t);
        }
    }

    @Test
    void recognisesTheStandardMethodsAtTheStartOfARequestLine() {
        for (int i = 0; i < TokenCache.METHODS.length; i++) {
            byte[] b = (TokenCache.METHODS[i] + " /x HTTP/1.1").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            long w = ByteText.word(b, 0);
            assertEquals(TokenCache.METHODS[i].length(), ByteText.spaceCount(w));
            assertEquals(i, TokenCache.knownMethod(w, ByteText.spaceCount(w)), TokenCache.METHODS[i]);
        }
        for (String other : new String[] {"GEX /abc", "get /abc", "PUS /abc", "POSTX /a", "DELETED ", "PROPFIND",
            "HEAP /ab", "TRACK /a", "OPTION /", "CONNECX ", "- / HTTP", "G /x HTTP"}) {
            long w = ByteText.word(other.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
            assertEquals(-1, TokenCache.knownMethod(w, ByteText.spaceCount(w)), other);
        }
    }

    @Test
    void countsAndReadsLeadingDigitsWhateverFollows() {
        Random r = new Random(7L);
        // the bytes around the digit range, where a carry or a borrow could go wrong, and non-ASCII ones
        byte[] edges = {'/', ':', '0', '9', ' ', '-', 0, (byte) 0x7f, (byte) 0x80, (byte) 0xb0, (byte) 0xb9,
            (byte) 0xba, (byte) 0xc6, (byte) 0xff, 'a', '"'};
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[8];
            int digits = r.nextInt(9);
            for (int j = 0; j < 8; j++) {
                b[j] = j < digits ? (byte) ('0' + r.nextInt(10))
                        : r.nextBoolean() ? edges[r.nextInt(edges.length)] : (byte) r.nextInt(256);
            }
            check(b);
        }
        check("99999999".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        check("9999999 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        check("0000000\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        check("1/000000".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
