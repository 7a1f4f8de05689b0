package io.meshpulse.ingest.stdin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamIngesterTest {
    private final List<RawLogLine> lines = new ArrayList<>();
    private final List<DeadLetter> dead = new ArrayList<>();
    private final StreamIngester.Output out = new StreamIngester.Output() {
        @Override
        public void line(RawLogLine line, long timestampMillis) {
            lines.add(line);
        }

        @Override
        public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
            dead.add(deadLetter);
        }
    };

    private StreamIngester.Result run(String input, int cap) throws Exception {
        return new StreamIngester("shop", "cart-1", "istio-proxy", null, "stdin", cap, new SimpleMeterRegistry())
                .run(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
    }

    @Test
    void kubectlLogsWithAndWithoutTimestamps() throws Exception {
        StreamIngester.Result r = run("plain line\n2026-11-20T10:00:00.123456789Z stamped line\nlast without newline", 1000);
        assertEquals(List.of("plain line", "stamped line", "last without newline"),
                lines.stream().map(RawLogLine::line).toList());
        assertEquals(null, lines.get(0).ts());
        assertEquals("2026-11-20T10:00:00.123Z", lines.get(1).ts());
        assertEquals("shop/cart-1", lines.get(1).key());
        assertEquals("stdin", lines.get(1).origin());
        assertEquals(3, r.produced());
    }

    @Test
    void criPartialsAndBadLines() throws Exception {
        String in = "2026-11-20T10:00:00.0Z stdout P a\n2026-11-20T10:00:00.1Z stdout F b\n"
                + "z".repeat(5000) + "\n" + "bin\0ary\n" + "2026-11-20T10:00:00.2Z stdout P cut at the end\n";
        run(in, 1000);
        assertEquals(List.of("ab"), lines.stream().map(RawLogLine::line).toList());
        assertEquals(List.of("oversize", "malformed", "truncated"), dead.stream().map(DeadLetter::kind).toList());
    }

    /**
     * CRI chunks that the runtime's split ended inside a 2-, 3- and 4-byte character, fed a byte at a time: the joined
     * line is the original text; a cut character whose line the input ends inside is dead-lettered as U+FFFD.
     */
    @Test
    void aCharacterCutByTheSplitIsJoinedWhole() throws Exception {
        String text = "GET /caf\u00e9/\u20ac/\ud83d\ude00 end";
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
        int[] cuts = {0, cut(text, "\u00e9", 1), cut(text, "\u20ac", 2), cut(text, "\ud83d\ude00", 1), b.length};
        for (int i = 0; i + 1 < cuts.length; i++) {
            in.writeBytes(("2026-11-20T10:00:00." + i + "Z stdout " + (i + 2 == cuts.length ? "F " : "P "))
                    .getBytes(StandardCharsets.US_ASCII));
            in.write(b, cuts[i], cuts[i + 1] - cuts[i]);
            in.write('\n');
            if (i == 1) in.writeBytes("2026-11-20T10:00:00.5Z stderr F \u00fcber\n".getBytes(StandardCharsets.UTF_8));
        }
        in.writeBytes("2026-11-20T10:00:01.0Z stdout P caf".getBytes(StandardCharsets.US_ASCII));
        in.write(0xC3); // the first byte of an \u00e9 whose line the input ends inside
        in.write('\n');
        java.io.InputStream trickle = new ByteArrayInputStream(in.toByteArray()) {
            @Override
            public synchronized int read(byte[] buf, int off, int len) {
                return super.read(buf, off, Math.min(len, 1));
            }
        };
        new StreamIngester("shop", "cart-1", "istio-proxy", null, "stdin", 1000, new SimpleMeterRegistry())
                .run(trickle, out);
        assertEquals(List.of("\u00fcber", text), lines.stream().map(RawLogLine::line).toList());
        assertEquals(List.of("caf\ufffd"), dead.stream().map(DeadLetter::line).toList());
        assertEquals("truncated", dead.get(0).kind());
    }

    /** The byte {@code k} bytes into {@code s}'s first occurrence in {@code text}'s UTF-8 bytes. */
    private static int cut(String text, String s, int k) {
        return text.substring(0, text.indexOf(s)).getBytes(StandardCharsets.UTF_8).length + k;
    }
}
