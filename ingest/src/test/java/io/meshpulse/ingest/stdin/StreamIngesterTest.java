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
}
