package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The raw topic's values are read straight from their bytes when they are the flat ASCII objects meshpulse writes,
 * and through Jackson otherwise; both ways must give the same record for every value.
 */
class RawLinesTest {
    private static final JsonCodec<RawLogLine> CODEC = new JsonCodec<>(RawLogLine.class);
    private static final String LINE = "[2026-11-20T10:00:01.000Z] \"GET /pay?card=1 HTTP/1.1\" 503 UC "
            + "upstream_reset_before_response_started{connection_termination} - \"-\" 0 95 3 - \"-\" \"curl/8\" "
            + "\"7c1e\" \"payments:8080\" \"10.0.0.9:8080\" outbound|8080||payments.svc.cluster.local 10.0.0.5:4711 "
            + "10.0.0.9:8080 10.0.0.5:4712 - default";

    @Test
    void theDirectReadAgreesWithJacksonOnWhatProducersWriteAndOnOddValues() {
        List<String> values = new ArrayList<>();
        values.add(json(new RawLogLine("2026-11-20T10:00:01.5Z", "shop", "checkout-7d4f8-x2k4q", "istio-proxy",
                "aks-node-1", LINE, "file:/var/log/pods/x/0.log")));
        values.add(json(new RawLogLine(null, null, null, null, null, LINE, null)));
        values.add(json(new RawLogLine(null, "shop", "p", "c", null, "tab\there \"quoted\" back\\slash \u0001 nul \u0000", "x")));
        values.add(json(new RawLogLine(null, "shop", "p", "c", null, "non-ASCII: caf\u00e9 \u4e2d \ud83d\ude00", "x")));
        values.add(json(new RawLogLine(null, "shöp", "p", "c", null, LINE, "x"))); // non-ASCII elsewhere
        values.add("{ \"line\" : \"a\\u0041\\/b\" ,\n\t\"pod\":\"p\" }");
        values.add("{\"line\":\"x\",\"extra\":\"y\",\"n\":1}");
        values.add("{\"line\":\"x\",\"obj\":{\"a\":1}}");
        values.add("{\"line\":\"first\",\"line\":\"second\"}");
        values.add("{\"line\":\"first\",\"line\":null}");
        values.add("{\"line\":null}");
        values.add("{\"line\":42}");
        values.add("{\"pod\":\"p\"}");
        values.add("{}");
        values.add("{\"line\":\"x\"} trailing");
        values.add("{\"line\":\"unterminated");
        values.add("{\"line\":\"bad escape \\q\"}");
        values.add("{\"line\":\"raw\ncontrol\"}");
        values.add("{\"li\\u006ee\":\"escaped name\"}");
        values.add("{\"start_time\":\"2026-11-20T10:00:01.000Z\",\"response_code\":503}"); // Istio's JSON, sent as-is
        values.add("not json at all");
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) { // damaged copies of a real value
            char[] c = values.get(0).toCharArray();
            String damage = "\"\\{}:, nu0\u00e9";
            c[r.nextInt(c.length)] = damage.charAt(r.nextInt(damage.length()));
            values.add(new String(c));
        }
        RawLines.Fields fields = new RawLines.Fields();
        assertTrue(RawLines.quick(values.get(0).getBytes(StandardCharsets.UTF_8), fields), "producers' values are read directly");
        assertTrue(RawLines.quick(values.get(2).getBytes(StandardCharsets.UTF_8), fields), "escapes included");
        assertFalse(RawLines.quick(values.get(3).getBytes(StandardCharsets.UTF_8), fields), "non-ASCII goes to Jackson");
        for (String v : values) {
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            RawLogLine expected = RawLines.decode("shop/p", bytes);
            boolean ok = RawLines.decode("shop/p", bytes, fields);
            assertEquals(expected != null, ok, v);
            if (expected == null) continue;
            assertEquals(expected, fields.toRawLogLine(), v);
            assertArrayEquals(expected.line().getBytes(StandardCharsets.UTF_8),
                    java.util.Arrays.copyOf(fields.line, fields.lineLength), v);
        }
    }

    @Test
    void linesOfEveryLengthAndEscapeSpacingAreCopiedExactlyIntoTheReusedBuffer() {
        // The line is copied a word at a time: escapes at every offset within a word, values ending within the last
        // seven bytes, a buffer that grows mid-line, and a reused buffer holding a longer line's bytes past the end.
        Random r = new Random(23);
        String alphabet = "abcdefghij0123456789 []{}:,/-_.|";
        String[] specials = {"\"", "\\", "\t", "\n", "\u0001", "/"};
        RawLines.Fields reused = new RawLines.Fields();
        for (int round = 0; round < 3000; round++) {
            int length = round < 2100 ? round % 70 : r.nextInt(round < 2900 ? 600 : 6000);
            StringBuilder line = new StringBuilder();
            while (line.length() < length) {
                if (r.nextInt(6) == 0) line.append(specials[r.nextInt(specials.length)]);
                else line.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            RawLogLine raw = new RawLogLine(null, "shop", "p", "c", null, line.toString(), "x");
            byte[] value = json(raw).getBytes(StandardCharsets.UTF_8);
            for (RawLines.Fields fields : new RawLines.Fields[] {reused, new RawLines.Fields()}) {
                assertTrue(RawLines.quick(value, fields), line.toString());
                assertEquals(raw, fields.toRawLogLine());
                assertArrayEquals(line.toString().getBytes(StandardCharsets.UTF_8),
                        java.util.Arrays.copyOf(fields.line, fields.lineLength));
            }
        }
    }

    @Test
    void plainRunStopsAtTheFirstQuoteBackslashControlOrNonAsciiByte() {
        java.util.Random r = new java.util.Random(11);
        byte[] specials = {'"', '\\', 0, 0x1F, '\n', (byte) 0x80, (byte) 0xC3, (byte) 0xFF};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[r.nextInt(40)];
            for (int k = 0; k < b.length; k++) b[k] = (byte) (0x20 + r.nextInt(0x5F)); // printable ASCII
            for (int k = r.nextInt(3); k > 0 && b.length > 0; k--) b[r.nextInt(b.length)] = specials[r.nextInt(specials.length)];
            int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            int want = from;
            while (want < b.length && b[want] != '"' && b[want] != '\\' && b[want] >= 0x20) want++;
            assertEquals(want, RawLines.plainRun(b, from), java.util.Arrays.toString(b) + " from " + from);
        }
    }

    @Test
    void recurringNamesComeBackAsTheSameStringAndNeverAsAnotherOne() {
        RawLines.Fields fields = new RawLines.Fields();
        java.util.Random r = new java.util.Random(5);
        String firstPod = null;
        for (int i = 0; i < 5000; i++) {
            // more names than the recent-values table has slots, so that slots are shared and overwritten
            String pod = "pod-" + r.nextInt(3000) + "-" + "x".repeat(r.nextInt(4));
            RawLogLine l = new RawLogLine("2026-11-22T10:00:0" + (i % 10) + "Z", "ns-" + (i % 7), pod, "istio-proxy",
                    "node-" + (i % 3), "line " + i, "file:/var/log/pods/" + pod + "/0.log");
            assertTrue(RawLines.decode(null, json(l).getBytes(StandardCharsets.UTF_8), fields));
            assertEquals(l, fields.toRawLogLine());
            if (i == 0) firstPod = fields.pod;
        }
        RawLogLine again = new RawLogLine(null, "a", firstPod, null, null, "l", null);
        assertTrue(RawLines.decode(null, json(again).getBytes(StandardCharsets.UTF_8), fields));
        assertEquals(firstPod, fields.pod);
        String once = fields.pod;
        assertTrue(RawLines.decode(null, json(again).getBytes(StandardCharsets.UTF_8), fields));
        assertTrue(once == fields.pod, "a name just read is reused, not decoded again");
    }

    @Test
    void aLongLineGrowsTheBufferAndTheNextShortOneIsNotPaddedWithIt() {
        RawLines.Fields fields = new RawLines.Fields();
        String longLine = "x".repeat(10_000) + "\"end\"";
        assertTrue(RawLines.decode(null, json(new RawLogLine(null, "a", "b", null, null, longLine, null))
                .getBytes(StandardCharsets.UTF_8), fields));
        assertEquals(longLine, fields.line());
        assertTrue(RawLines.decode(null, json(new RawLogLine(null, "a", "b", null, null, "short", null))
                .getBytes(StandardCharsets.UTF_8), fields));
        assertEquals("short", fields.line());
        assertEquals(5, fields.lineLength);
        assertFalse(RawLines.decode(null, new byte[0], fields), "an empty value cannot be read");
    }

    private static String json(RawLogLine l) {
        return new String(CODEC.encode(l), StandardCharsets.UTF_8);
    }
}
