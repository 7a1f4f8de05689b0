package io.meshpulse.ingest.framing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Physical lines as the kubelet and Envoy end them: at {@code \n} only, as {@code ingest tail} reads them too. A
 * {@link java.io.BufferedReader} also ends a line at a lone {@code \r}, which splits one input line in two; a
 * {@code \r} before the {@code \n} is left on the line for {@link LineFramer#frame} to drop. The last line may lack
 * its newline. Not thread-safe.
 */
public final class NewlineReader implements AutoCloseable {
    private final InputStream in;
    private byte[] buf = new byte[1 << 16];
    private int start;
    private int scanned;
    private int end;
    private boolean eof;
    private int lineOffset;
    private int lineLength;

    public NewlineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its {@code \n}, or null at the end of the input. */
    public String readLine() throws IOException {
        while (true) {
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
            if (end == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) eof = true;
            else end += n;
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
