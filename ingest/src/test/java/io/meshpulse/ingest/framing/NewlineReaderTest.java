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
}
