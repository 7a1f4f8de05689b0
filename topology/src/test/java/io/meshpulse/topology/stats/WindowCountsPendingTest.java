package io.meshpulse.topology.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A window keeps its first durations as they are and makes its latency sketch only when it needs one. Whatever the
 * way, it must encode, merge and summarise exactly as a window whose sketch took every duration at once does.
 */
class WindowCountsPendingTest {
    private static final String[] CLASSES = {"NONE", "UC", "UF", "NR"};
    private static final int[] CODES = {200, 200, 503, 404, 0};

    /** A line: its code, class and duration. */
    private record Line(int code, String failureClass, long durationMs) {}

    private static Line[] lines(Random r, int n) {
        Line[] ls = new Line[n];
        for (int i = 0; i < n; i++) {
            long d = switch (r.nextInt(4)) {
                case 0 -> 0; // the sketch's zero bucket
                case 1 -> r.nextInt(5);
                case 2 -> r.nextInt(2000);
                default -> (long) Math.exp(r.nextDouble() * 14); // up to about 20 minutes
            };
            ls[i] = new Line(CODES[r.nextInt(CODES.length)], CLASSES[r.nextInt(CLASSES.length)], r.nextInt(10) == 0 ? -1 : d);
        }
        return ls;
    }

    /** Counted line by line, as the parsing task does. */
    private static WindowCounts counted(Line[] ls) {
        WindowCounts c = new WindowCounts();
        for (Line l : ls) c.add(l.code, l.failureClass, l.durationMs, 0, 0);
        return c;
    }

    /** The reference: the same counts, every duration put into a sketch made at the first one. */
    private static WindowCounts reference(Line[] ls) {
        WindowCounts c = new WindowCounts();
        for (Line l : ls) {
            c.addRequests(l.code, l.failureClass, 1);
            if (l.durationMs >= 0) c.addDurations(l.durationMs, 1);
        }
        return c;
    }

    private static byte[] bytes(WindowCounts c) {
        BinaryWriter w = new BinaryWriter(64);
        c.writeTo(w);
        return w.toByteArray();
    }

    @Test
    void aSmallWindowEncodesAndSummarisesAsItsSketchWould() {
        Random r = new Random(20261123);
        for (int n : new int[] {0, 1, 2, 7, 8, 9, 31, 32, 33, 34, 64, 200}) {
            for (int round = 0; round < 20; round++) {
                Line[] ls = lines(r, n);
                WindowCounts c = counted(ls);
                WindowCounts ref = reference(ls);
                assertArrayEquals(bytes(ref), bytes(c), n + " lines");
                assertEquals(ref.latency(), c.latency(), n + " lines");
                // and back: what a restarted task reads is the same window
                WindowCounts back = WindowCounts.readFrom(new BinaryReader(bytes(c), 0, bytes(c).length));
                assertArrayEquals(bytes(ref), bytes(back), n + " lines, read back");
            }
        }
    }

    /**
     * The quantiles of a window's pending durations are read without a sketch: they must be the sketch's, for
     * repeated values, values on both sides of a bin's edge, zeros, and durations so far apart that the sketch
     * collapses its lowest bins.
     */
    @Test
    void pendingQuantilesAreTheSketchs() {
        Random r = new Random(20261125);
        for (int round = 0; round < 3000; round++) {
            int n = 1 + r.nextInt(32);
            long base = (long) Math.exp(r.nextDouble() * 12);
            WindowCounts c = new WindowCounts();
            WindowCounts ref = new WindowCounts();
            for (int i = 0; i < n; i++) {
                long d = switch (r.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> base; // repeats
                    case 2 -> base + r.nextInt(3); // neighbours, often in the same bin or the next
                    case 3 -> r.nextInt(100);
                    default -> (long) Math.exp(r.nextDouble() * 16);
                };
                c.add(200, "NONE", d, 0, 0);
                ref.addDurations(d, 1);
            }
            assertEquals(ref.latency(), c.latency(), "round " + round);
        }
        WindowCounts c = new WindowCounts();
        WindowCounts ref = new WindowCounts();
        for (long d : new long[] {1, 2, 1_000_000_000_000_000_000L, 3}) {
            c.add(200, "NONE", d, 0, 0);
            ref.addDurations(d, 1);
        }
        assertEquals(ref.latency(), c.latency(), "bins too far apart for the store");
    }

    @Test
    void mergesAgreeWhicheverSideHasASketch() {
        Random r = new Random(7);
        int[] sizes = {0, 3, 20, 40};
        for (int a : sizes) {
            for (int b : sizes) {
                for (int round = 0; round < 10; round++) {
                    Line[] la = lines(r, a);
                    Line[] lb = lines(r, b);
                    WindowCounts merged = counted(la);
                    merged.merge(counted(lb));
                    WindowCounts ref = reference(la);
                    ref.merge(reference(lb));
                    Line[] all = new Line[a + b];
                    System.arraycopy(la, 0, all, 0, a);
                    System.arraycopy(lb, 0, all, a, b);
                    assertArrayEquals(bytes(ref), bytes(merged), a + " + " + b + " lines");
                    assertArrayEquals(bytes(reference(all)), bytes(merged), a + " + " + b + " lines, in one");
                    assertEquals(ref.latency(), merged.latency());
                }
            }
        }
    }

    @Test
    void aSmallWindowHoldsNoSketchUntilItTakesMoreThan32Durations() {
        WindowCounts c = new WindowCounts();
        for (int i = 0; i < 32; i++) c.add(200, "NONE", 10 + i, 0, 0);
        c.latency();
        bytes(c);
        assertFalse(c.sketchMade(), "encoding or summarising must not keep a sketch");
        c.add(200, "NONE", 5, 0, 0);
        assertTrue(c.sketchMade());
    }
}
