package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.BinaryWriter;

/** Store keys that start with the window start, big-endian, so that a range scan walks windows in time order. */
final class Keys {
    private Keys() {}

    static byte[] windowPrefix(long windowStart) {
        return new BinaryWriter(8).writeLongBE(windowStart).toByteArray();
    }

    static long windowStartOf(byte[] key) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (key[i] & 0xFFL);
        return v;
    }
}
