package io.meshpulse.ingest.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines end at {@code \n} only, as the tailer ends them; long lines and reads of one byte at a time make no difference. */
class NewlineReaderTest {

    private static List<String> lines(InputStream in) throws IOException {
        List<String> out = new ArrayList<>();
        try (NewlineReader r = new NewlineReader(in)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) out.add(l);
        }
        return out;
    }

    @Test
    void onlyANewlineEndsALine() throws IOException {
        byte[] text = "a\r\nb\rc\n\nd\r\r\né\ntail".getBytes(StandardCharsets.UTF_8);
        List<String> want = List.of("a\r", "b\rc", "", "d\r\r", "é", "tail");
        assertEquals(want, lines(new ByteArrayInputStream(text)));
        InputStream trickle = new ByteArrayInputStream(text) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        assertEquals(want, lines(trickle));
    }

    @Test
    void aLineLongerThanTheBuffer() throws IOException {
        String longLine = "x".repeat(200_000);
        assertEquals(List.of(longLine, "y"),
                lines(new ByteArrayInputStream((longLine + "\ny\n").getBytes(StandardCharsets.UTF_8))));
    }

    /** Each line's bytes as they were in the input, cut characters and all (what the framer rejoins CRI chunks from). */
    @Test
    void eachLinesBytesAreKeptAsRead() throws IOException {
        byte[] cut = {'a', (byte) 0xE2, (byte) 0x82, '\n', (byte) 0xAC, 'b', '\n', (byte) 0xF0, (byte) 0x9F};
        List<String> got = new ArrayList<>();
        try (NewlineReader r = new NewlineReader(new ByteArrayInputStream(cut))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                byte[] raw = java.util.Arrays.copyOfRange(r.lineBuffer(), r.lineOffset(), r.lineOffset() + r.lineLength());
                assertEquals(new String(raw, StandardCharsets.UTF_8), l);
                got.add(java.util.HexFormat.of().formatHex(raw));
            }
        }
        assertEquals(List.of("61e282", "ac62", "f09f"), got);
    }

    /**
     * With a cap, a longer line comes out as its first bytes, flagged, and reading goes on after its newline, whether
     * the newline came in the same read, many reads later, or never (the input ended inside it). Memory stays bounded
     * by the cap: a file whose tail is a run of NUL bytes without a newline is not held whole.
     */
    @Test
    void aLineOverTheCapIsCutAndTheRestSkipped() throws IOException {
        String over = "x".repeat(300_000);
        byte[] text = ("a\n" + "b".repeat(101) + "\nc\n" + over + "\nd\n" + over).getBytes(StandardCharsets.UTF_8);
        for (int step : new int[] {1 << 20, 7}) {
            InputStream in = new ByteArrayInputStream(text) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, step));
                }
            };
            List<String> got = new ArrayList<>();
            try (NewlineReader r = new NewlineReader(in, 100, 10)) {
                for (String l = r.readLine(); l != null; l = r.readLine()) got.add((r.oversized() ? "cut:" : "") + l);
            }
            assertEquals(List.of("a", "cut:" + "b".repeat(10), "c", "cut:" + "x".repeat(10), "d", "cut:" + "x".repeat(10)),
                    got, "reads of " + step);
        }
    }

    @Test
    void aRunOfNulBytesWithoutANewlineIsOneCutLine() throws IOException {
        InputStream zeros = new InputStream() { // 3 GB of NUL bytes, never in memory
            long left = 3L << 30;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        try (NewlineReader r = new NewlineReader(new java.io.SequenceInputStream(
                new ByteArrayInputStream("ok\n".getBytes(StandardCharsets.UTF_8)), zeros), 1 << 20, 64)) {
            assertEquals("ok", r.readLine());
            assertEquals("\0".repeat(64), r.readLine());
            assertEquals(true, r.oversized());
            assertEquals(null, r.readLine());
        }
    }
}
