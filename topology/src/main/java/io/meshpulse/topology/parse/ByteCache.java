package io.meshpulse.topology.parse;

import java.util.Arrays;

/**
 * A direct-mapped cache from byte ranges to values: one slot per hash, a miss overwrites the slot. Lookups hash the
 * range eight bytes at a time and confirm with a vectorised {@code Arrays.equals}, so a recurring value (a cluster
 * name, an authority, a pod address) costs no allocation; a value that never recurs costs one wasted lookup and a
 * key copy. Memory is bounded by the slot count and {@link #MAX_KEY}.
 *
 * <p>Use: {@code v = lookup(...)}; on null, compute the value and {@link #put} it (the slot of the last lookup is
 * remembered). Not thread-safe.
 */
final class ByteCache {

    /** Longer values are not cached (they are rarely repeated and would pin memory). */
    static final int MAX_KEY = 256;

    private final byte[][] keys;
    private final int[] hashes;
    private final Object[] values;
    private final int mask;
    private int lastHash;
    private int lastSlot = -1;

    ByteCache(int slots) {
        if (Integer.bitCount(slots) != 1) throw new IllegalArgumentException("slots must be a power of two");
        keys = new byte[slots][];
        hashes = new int[slots];
        values = new Object[slots];
        mask = slots - 1;
    }

    /** The value cached for {@code b[s, e)}, or null. */
    Object lookup(byte[] b, int s, int e) {
        int len = e - s;
        if (len > MAX_KEY) {
            lastSlot = -1;
            return null;
        }
        int h = ByteText.hash(b, s, e);
        int slot = h & mask;
        lastHash = h;
        lastSlot = slot;
        byte[] k = keys[slot];
        if (k != null && hashes[slot] == h && k.length == len && Arrays.equals(k, 0, len, b, s, e)) {
            return values[slot];
        }
        return null;
    }

    /** Stores {@code value} for {@code b[s, e)}, which must be the range of the preceding {@link #lookup}. */
    void put(byte[] b, int s, int e, Object value) {
        if (lastSlot < 0) return;
        keys[lastSlot] = Arrays.copyOfRange(b, s, e);
        hashes[lastSlot] = lastHash;
        values[lastSlot] = value;
    }
}
