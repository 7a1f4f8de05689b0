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
}
