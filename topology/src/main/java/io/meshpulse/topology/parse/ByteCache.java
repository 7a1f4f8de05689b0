package io.meshpulse.topology.parse;

import java.util.Arrays;

/**
 * A direct-mapped cache from byte ranges to values, for one field: one slot per hash, a miss overwrites the slot.
 * A recurring value (a cluster name, a details value, a flag list) then costs a hash and a compare instead of
 * decoding it and working out its classification facts again.
 *
 * <p>A cache that keeps missing (a field whose values do not repeat in this mesh) costs a lookup and a key copy per
 * line for nothing, so after a run of misses it stands aside for {@link #REST} lookups and then tries again: a field
 * that never repeats pays for about one lookup in thirty, one that does repeat is cached.
 *
 * <p>Use: {@code v = lookup(...)}; on null compute the value and {@link #put} it (the slot of the last lookup is
 * remembered). Memory is bounded by the slot count and {@link #MAX_KEY}. Not thread-safe.
 */
final class ByteCache {

    /** Longer values are not cached (they are rarely repeated and would pin memory). */
    static final int MAX_KEY = 256;
    /** Misses in a row after which the cache stands aside. */
    private static final int GIVE_UP = 8;
    /** Lookups skipped while standing aside. */
    private static final int REST = 256;

    private final byte[][] keys;
    private final int[] hashes;
    private final Object[] values;
    private final int mask;
    private int lastHash;
    private int lastSlot = -1;
    private int missStreak;
    private int resting;

    ByteCache(int slots) {
        if (Integer.bitCount(slots) != 1) throw new IllegalArgumentException("slots must be a power of two");
        keys = new byte[slots][];
        hashes = new int[slots];
        values = new Object[slots];
        mask = slots - 1;
    }

    /** The value cached for {@code b[s, e)}, or null (also while the cache stands aside). */
    Object lookup(byte[] b, int s, int e) {
        int len = e - s;
        if (resting > 0 || len > MAX_KEY) {
            if (resting > 0) resting--;
            lastSlot = -1;
            return null;
        }
        int h = ByteText.hash(b, s, e);
        int slot = h & mask;
        lastHash = h;
        lastSlot = slot;
        byte[] k = keys[slot];
        if (k != null && hashes[slot] == h && k.length == len && ByteText.rangeEquals(k, b, s)) {
            missStreak = 0;
            return values[slot];
        }
        if (++missStreak >= GIVE_UP) {
            missStreak = 0;
            resting = REST;
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
