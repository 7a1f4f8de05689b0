package io.meshpulse.topology.parse;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link StructuralMasks}' bitmaps built with the JDK's incubating Vector API: each 64-byte block of the line is
 * compared with the delimiters a vector at a time. Loaded only when {@link StructuralMasks#ENABLED} says the module
 * is there and fast here; nothing else refers to this class.
 *
 * <p>JDK 17 has no fast way from a vector comparison to a bitmap ({@code VectorMask.toLong} goes through a boolean
 * array there), so the bits are gathered in vector registers: the comparison becomes bytes of 0 or 1; in each eight
 * bytes taken as a {@code long}, three shift-and-OR steps (by 7, 14 and 28 bits) fold byte {@code i}'s bit into bit
 * {@code i} of the low byte, which is kept, shifted to its lane's place, and the lanes are OR-ed together.
 * Session 13 multiplied by {@code 0x0102040810204080} instead; AVX2 has no 64-bit lane multiply, and the shifts
 * made the parse 5 % faster there and no slower with AVX-512 (BENCHMARKS.md, session 14).
 */
final class VectorMasks {

    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, BYTES.vectorShape());
    /** Bytes per vector: 32 or 64 where this class is used. */
    private static final int W = BYTES.length();
    private static final LongVector LANE_SHIFTS;
    private static final ByteVector ZERO = ByteVector.zero(BYTES);

    static {
        long[] shifts = new long[LONGS.length()];
        for (int i = 0; i < shifts.length; i++) shifts[i] = 8L * i;
        LANE_SHIFTS = LongVector.fromArray(LONGS, shifts, 0);
    }

    private VectorMasks() {}

    /**
     * Whether vectors here are wide enough to be worth it (256 bits or more). With 128-bit vectors (SSE, NEON) the
     * gather above is not compiled to vector instructions and is far slower than scalar code.
     */
    static boolean wideEnough() {
        return BYTES.vectorBitSize() >= 256 && 64 % W == 0;
    }

    /** See {@link StructuralMasks#build}. {@code pad} is a 64-byte scratch array for a block at the array's end. */
    static void build(byte[] b, int start, int n, long[] quotes, long[] stops, byte[] pad) {
        final int rel = n - start;
        final int blocks = (rel >>> 6) + 1;
        for (int k = 0; k < blocks; k++) {
            int i = start + (k << 6);
            byte[] src = b;
            if (i + 64 > b.length) {
                java.util.Arrays.fill(pad, (byte) 0);
                System.arraycopy(b, i, pad, 0, Math.max(0, Math.min(64, b.length - i)));
                src = pad;
                i = 0;
            }
            long q = 0;
            long s = 0;
            for (int j = 0; j < 64; j += W) {
                ByteVector v = ByteVector.fromArray(BYTES, src, i + j);
                q |= gather(v.compare(VectorOperators.EQ, (byte) '"')) << j;
                s |= gather(v.compare(VectorOperators.EQ, (byte) ' ').or(v.compare(VectorOperators.EQ, (byte) '{')))
                        << j;
            }
            quotes[k] = q;
            stops[k] = s;
        }
        quotes[rel >>> 6] |= 1L << rel;
        stops[rel >>> 6] |= 1L << rel;
    }

    /** One bit per lane of {@code m}, lane 0 in bit 0. */
    private static long gather(VectorMask<Byte> m) {
        LongVector x = ZERO.blend((byte) 1, m).reinterpretAsLongs();
        x = x.or(x.lanewise(VectorOperators.LSHR, 7));
        x = x.or(x.lanewise(VectorOperators.LSHR, 14));
        x = x.or(x.lanewise(VectorOperators.LSHR, 28));
        return x.and(0xFFL).lanewise(VectorOperators.LSHL, LANE_SHIFTS).reduceLanes(VectorOperators.OR);
    }
}
