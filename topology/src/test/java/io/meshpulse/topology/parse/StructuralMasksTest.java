package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The parser's delimiter bitmaps: the vector build against the byte-at-a-time reference, and the next-bit search
 * against a plain search. The parser tests themselves run twice (with the bitmaps, and in the
 * {@code parser-without-simd} execution without them) and compare the fast path with the general reader.
 */
class StructuralMasksTest {

    private static final boolean SIMD_OFF = "false".equalsIgnoreCase(System.getProperty("meshpulse.parser.simd"));

    @Test
    void theBitmapsAreOnWhereverTheModuleIsThereAndTheVectorsAreWide() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (SIMD_OFF) {
            assertTrue(!StructuralMasks.ENABLED, "-Dmeshpulse.parser.simd=false turns them off");
            return;
        }
        // the build runs the tests with --add-modules jdk.incubator.vector, as bin/meshpulse runs the pipeline
        assertTrue(module, "the tests run with --add-modules jdk.incubator.vector");
        // the start-up self-check must pass: a vector build that disagreed with the reference would turn them off
        assertEquals(VectorMasks.wideEnough(), StructuralMasks.ENABLED);
    }

    @Test
    void theVectorBuildEqualsTheReferenceAtEveryOffsetAndAtTheArraysEnd() {
        assumeTrue(StructuralMasks.ENABLED, "vector bitmaps not in use in this JVM");
        SplittableRandom random = new SplittableRandom(42);
        byte[] alphabet = {' ', '"', '{', '}', 'a', '-', (byte) 0xc3, (byte) 0xa9, 0, (byte) 0xff, '\n', (byte) ('"' | 0x80)};
        long[] q1 = new long[StructuralMasks.BLOCKS];
        long[] s1 = new long[StructuralMasks.BLOCKS];
        long[] q2 = new long[StructuralMasks.BLOCKS];
        long[] s2 = new long[StructuralMasks.BLOCKS];
        byte[] pad = new byte[64];
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[1 + random.nextInt(round < 10_000 ? 200 : 3_000)];
            for (int i = 0; i < b.length; i++) b[i] = alphabet[random.nextInt(alphabet.length)];
            int start = random.nextInt(b.length);
            // the line ends anywhere from its start to the array's end: the last blocks take the padded load
            int n = start + random.nextInt(b.length - start + 1);
            // stale bits from the round before must not survive into this one
            VectorMasks.build(b, start, n, q1, s1, pad);
            StructuralMasks.scalar(b, start, n, q2, s2);
            int rel = n - start;
            for (int k = 0; k <= rel >>> 6; k++) {
                long valid = k == rel >>> 6 ? -1L >>> (63 - (rel & 63)) : -1L;
                assertEquals(q2[k] & valid, q1[k] & valid, "quotes, block " + k + " of [" + start + ", " + n + ")");
                assertEquals(s2[k] & valid, s1[k] & valid, "stops, block " + k + " of [" + start + ", " + n + ")");
            }
        }
    }

    @Test
    void nextFindsTheFirstDelimiterAtOrAfterAPositionAndStopsAtTheLineEnd() {
        SplittableRandom random = new SplittableRandom(7);
        long[] quotes = new long[StructuralMasks.BLOCKS];
        long[] stops = new long[StructuralMasks.BLOCKS];
        for (int round = 0; round < 5_000; round++) {
            byte[] b = new byte[1 + random.nextInt(400)];
            int density = 2 + random.nextInt(80);
            for (int i = 0; i < b.length; i++) {
                int r = random.nextInt(density);
                b[i] = r == 0 ? (byte) '"' : r == 1 ? (byte) ' ' : r == 2 ? (byte) '{' : (byte) 'x';
            }
            int start = random.nextInt(b.length);
            int n = start + random.nextInt(b.length - start + 1);
            StructuralMasks.scalar(b, start, n, quotes, stops);
            for (int from = start; from <= n; from++) {
                assertEquals(plain(b, from, n, false), StructuralMasks.next(quotes, start, from), "quote from " + from);
                assertEquals(plain(b, from, n, true), StructuralMasks.next(stops, start, from), "stop from " + from);
            }
        }
    }

    private static int plain(byte[] b, int from, int n, boolean stops) {
        for (int p = from; p < n; p++) {
            if (stops ? b[p] == ' ' || b[p] == '{' : b[p] == '"') return p;
        }
        return n;
    }
}
