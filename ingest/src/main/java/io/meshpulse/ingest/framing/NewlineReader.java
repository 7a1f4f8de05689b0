package io.meshpulse.ingest.framing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Physical lines as the kubelet and Envoy end them: at {@code \n} only, as {@code ingest tail} reads them too. A
 * {@link java.io.BufferedReader} also ends a line at a lone {@code \r}, which splits one input line in two; a
 * {@code \r} before the {@code \n} is left on the line for {@link LineFramer#frame} to drop. The last line may lack
 * its newline. With a cap, a line longer than the cap is not held whole (a file whose tail is a run of NUL bytes after
 * a crash has no newline for gigabytes): only its first bytes are returned, {@link #oversized()} says so, and the rest
 * of it is skipped. Not thread-safe.
 */
public final class NewlineReader implements AutoCloseable {
    private final InputStream in;
    /** Never longer than the cap plus one byte, so a whole line found in it is within the cap. */
    private byte[] buf;
    private int start;
    private int scanned;
    private int end;
    private boolean eof;
    private int lineOffset;
    private int lineLength;
    private final int maxLineBytes;
    private final int keepBytes;
    /** The last line returned was cut at {@link #keepBytes}; its rest is skipped. */
    private boolean oversized;
    /** Inside the rest of an oversized line: bytes up to its newline are dropped. */
    private boolean skipping;

    /** A reader without a cap on line length. */
    public NewlineReader(InputStream in) {
        this(in, Integer.MAX_VALUE, 0);
    }

    /**
     * @param maxLineBytes a line longer than this is cut: only its first {@code keepBytes} bytes are returned
     * @param keepBytes    how much of an oversized line to keep (at most {@code maxLineBytes})
     */
    public NewlineReader(InputStream in, int maxLineBytes, int keepBytes) {
        if (maxLineBytes < 1 || keepBytes < 0 || keepBytes > maxLineBytes) {
            throw new IllegalArgumentException("bad line cap: " + maxLineBytes + "/" + keepBytes);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.keepBytes = keepBytes;
        this.buf = new byte[Math.min(1 << 16, capacityFor(maxLineBytes))];
    }

    /** True when the line {@link #readLine()} returned last was longer than the cap: only its first bytes were kept. */
    public boolean oversized() {
        return oversized;
    }

    /** The next line without its {@code \n}, or null at the end of the input. */
    public String readLine() throws IOException {
        oversized = false;
        while (true) {
            if (skipping && !skipRest()) return null;
            for (int i = scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    lineOffset = start;
                    lineLength = i - start;
                    String line = new String(buf, start, i - start, StandardCharsets.UTF_8);
                    start = scanned = i + 1;
                    return line;
                }
            }
            scanned = end;
            if (eof) {
                if (start == end) return null;
                if (end - start > maxLineBytes) return cut();
                lineOffset = start;
                lineLength = end - start;
                String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
                start = scanned = end;
                return line;
            }
            if (start > 0) { // keep the unfinished line at the front
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
            }
            if (end - start > maxLineBytes) return cut();
            if (end == buf.length) buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, capacityFor(maxLineBytes)));
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) eof = true;
            else end += n;
        }
    }

    /**
     * The largest buffer: a line of the cap and its newline, so that a line found whole in the buffer is within the
     * cap, and one that fills it is over the cap.
     */
    private static int capacityFor(int maxLineBytes) {
        return maxLineBytes >= Integer.MAX_VALUE - 16 ? Integer.MAX_VALUE - 16 : maxLineBytes + 1;
    }

    /** The first bytes of a line longer than the cap, as the line; the rest of it is skipped on the next read. */
    private String cut() {
        lineOffset = start;
        lineLength = keepBytes;
        String line = new String(buf, start, keepBytes, StandardCharsets.UTF_8);
        start = scanned = end; // the buffered rest of the line is dropped
        oversized = true;
        skipping = true;
        return line;
    }

    /** Drops bytes up to and including the newline that ends an oversized line; false when the input ends first. */
    private boolean skipRest() throws IOException {
        while (true) {
            for (int i = start; i < end; i++) {
                if (buf[i] == '\n') {
                    start = scanned = i + 1;
                    skipping = false;
                    return true;
                }
            }
            start = scanned = end = 0;
            if (eof) return false;
            int n = in.read(buf, 0, buf.length);
            if (n < 0) eof = true;
            else end = n;
        }
    }

    /**
     * The buffer holding the bytes of the line {@link #readLine()} returned last, at {@link #lineOffset()} for
     * {@link #lineLength()} bytes (for {@link LineFramer#frame(String, byte[], int, int)}); valid until the next
     * {@code readLine()}.
     */
    public byte[] lineBuffer() {
        return buf;
    }

    /** Where the last line's bytes start in {@link #lineBuffer()}. */
    public int lineOffset() {
        return lineOffset;
    }

    /** How many bytes the last line has, without its newline. */
    public int lineLength() {
        return lineLength;
    }

    /** Closes the stream. */
    @Override
    public void close() throws IOException {
        in.close();
    }
}
