package io.meshpulse.topology.stats;

import java.nio.charset.StandardCharsets;

/** Reads what {@link BinaryWriter} wrote; a short or corrupt buffer raises {@link IllegalStateException}. */
public final class BinaryReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public BinaryReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public BinaryReader(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int position() {
        return pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    private void need(int n) {
        if (pos + n > end) throw new IllegalStateException("truncated record at byte " + pos);
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public long readLongBE() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xFFL);
        return v;
    }

    public long readVarLong() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) return v;
        }
        throw new IllegalStateException("varint too long at byte " + pos);
    }

    public String readString() {
        long n = readVarLong();
        if (n == 0) return null;
        int len = (int) (n - 1);
        need(len);
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    public byte[] readBytes(int n) {
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }
}
