package io.meshpulse.topology.stats;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with varint and string writes: the encoding of meshpulse's internal state and topic. */
public final class BinaryWriter {
    private byte[] buf;
    private int len;

    public BinaryWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public BinaryWriter reset() {
        len = 0;
        return this;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    public BinaryWriter writeByte(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    /** Big-endian, so that byte order equals numeric order for non-negative values (range scans rely on it). */
    public BinaryWriter writeLongBE(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) buf[len++] = (byte) (v >>> (i * 8));
        return this;
    }

    public BinaryWriter writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        return this;
    }

    /** A nullable string: varint (length + 1), 0 meaning null. */
    public BinaryWriter writeString(String s) {
        if (s == null) return writeVarLong(0);
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(b.length + 1L);
        return writeBytes(b, 0, b.length);
    }

    public BinaryWriter writeBytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}
