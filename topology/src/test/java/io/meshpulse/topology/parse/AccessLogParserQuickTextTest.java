package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The straight-line reader of 1.9+ TEXT lines ({@link TextLineParser#layout19}) against the general path it
 * short-cuts: for every line, a parser with the shortcut and one without it must give equal results. The edge
 * cases check both sides of the shortcut: lines it must take (so the comparison is not vacuous) and lines it must
 * hand to the general path (a quote inside a value, runs of spaces, a space inside braces, extra or missing
 * fields, older layouts).
 *
 * <p>The shortcut's records decode their free-text values when first read; the laziness checks read each
 * component first on a record nothing else has touched and compare it with the general path's eager record
 * (non-ASCII values included), check the record's copy of the line against a caller that reuses its buffer, the
 * span limit, and threads racing on a shared record's first reads. Every line is also parsed with
 * {@link AccessLogParser#parseView} (the topology's entry point), from a larger buffer, which must give the same
 * record or the same rejection.
 */
class AccessLogParserQuickTextTest {

    private final AccessLogParser quick = new AccessLogParser();
    private final AccessLogParser general = new AccessLogParser();
    private final TextLineParser text = new TextLineParser(new TokenCache(), new RecordDraft(), new Rfc3339Bytes());

    AccessLogParserQuickTextTest() {
        general.quickText = false;
    }

    /** Asserts both parsers agree on {@code line}; returns whether the shortcut took it. */
    private boolean same(String line) {
        ParseResult expected = general.parse(line);
        assertEquals(expected, quick.parse(line), () -> "shortcut differs for: " + line);
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        assertEquals(expected, quick.parse(b, 0, b.length), () -> "shortcut (bytes) differs for: " + line);
        assertEquals(expected, viewed(quick, b), () -> "parseView differs for: " + line);
        assertEquals(expected, viewed(general, b), () -> "parseView (general path) differs for: " + line);
        int end = b.length;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == '\t' || b[end - 1] == '\n' || b[end - 1] == '\r')) end--;
        boolean taken = end > 0 && b[0] == '[' && text.layout19(b, 0, end) != null;
        if (taken) assertTrue(expected instanceof ParseResult.Parsed, () -> "shortcut took a rejected line: " + line);
        return taken;
    }

    /**
     * {@link AccessLogParser#parseView} of {@code line} placed inside a larger buffer (other bytes before and
     * after, the way a reused buffer holds it), as a {@link ParseResult} to compare with {@code parse}'s.
     */
    static ParseResult viewed(AccessLogParser p, byte[] line) {
        byte[] buf = new byte[line.length + 11];
        java.util.Arrays.fill(buf, (byte) '"');
        System.arraycopy(line, 0, buf, 5, line.length);
        AccessLogRecord r = p.parseView(buf, 5, line.length);
        if (r == null) {
            assertNotNull(p.rejection());
            return new ParseResult.Rejected(p.rejection());
        }
        return new ParseResult.Parsed(r);
    }

    private static String ok19() {
        return EnvoyLine.outboundOk().text(ISTIO_1_23);
    }

    @Test
    void takesPlainLinesOfBothLayoutsAndAgrees() {
        Random r = new Random(19L);
        int taken = 0;
        int lines = 0;
        for (int i = 0; i < 3000; i++) {
            EnvoyLine l = AccessLogParserBytesTest.randomLine(r, i);
            for (String f : new String[] {ISTIO_1_9, ISTIO_1_23}) {
                lines++;
                if (same(l.text(f))) taken++;
            }
        }
        // the random values include quotes in user agents and spaces inside braces, which go the general way
        assertTrue(taken > lines / 2, taken + " of " + lines + " taken");
    }

    @Test
    void agreesOnMutatedLines() {
        Random r = new Random(2019L);
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < 50; i++) seeds.add(AccessLogParserBytesTest.randomLine(r, i).text(ISTIO_1_23));
        seeds.add(ok19());
        int taken = 0;
        for (int i = 0; i < 20_000; i++) {
            if (same(AccessLogParserFuzzTest.mutate(seeds.get(r.nextInt(seeds.size())), r))) taken++;
        }
        assertTrue(taken > 1000, "taken " + taken);
    }

    @Test
    void takesTheShapesItWasBuiltFor() {
        EnvoyLine ok = EnvoyLine.outboundOk();
        String[] lines = {
            ok19(),
            ok.text(ISTIO_1_9),
            // IPv6 addresses, brackets inside bare tokens
            EnvoyLine.outboundOk().set(UPSTREAM_HOST, "[fd00:10:244::17]:9080").set(ULA, "[fd00::9]:48822")
                    .set(DLA, "[fd00:10:96::c]:9080").set(DRA, "[fd00::9]:51234").text(ISTIO_1_23),
            // TCP: "- - -", code 0
            EnvoyLine.outboundOk().set(METHOD, null).set(PATH, null).set(PROTOCOL, null).set(CODE, "0")
                    .set(DETAILS, null).set(UST, null).set(UA, null).set(RID, null).set(AUTHORITY, null)
                    .set(ROUTE, null).text(ISTIO_1_23),
            // non-ASCII values
            EnvoyLine.outboundOk().set(PATH, "/stra\u00dfe/\u65e5\u672c").set(UA, "agent \u00e9 \uD83D\uDE80")
                    .text(ISTIO_1_23),
            // braces without a space inside, a 1.23 cluster with ';', empty quoted value, other time lengths
            EnvoyLine.outboundOk().set(CODE, "503").set(FLAGS, "UF,URX")
                    .set(DETAILS, "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
                    .set(CLUSTER, "outbound|9080||reviews.shop.svc.cluster.local;").set(XFF, "")
                    .set(START_TIME, "2024-05-02T10:12:33+02:00").text(ISTIO_1_23),
            EnvoyLine.outboundOk().set(START_TIME, "2024-05-02T10:12:33.123456789Z").set(TERM, "a{b}c{}")
                    .text(ISTIO_1_23),
            // a space inside braces (Envoy up to 1.15) belongs to the token, as in the general path
            EnvoyLine.outboundOk().set(DETAILS, "upstream_reset_before_response_started{local reset}").text(ISTIO_1_23),
            // an unclosed brace ends at the next space, as in the general path
            EnvoyLine.outboundOk().set(DETAILS, "reset{open").text(ISTIO_1_23),
            // a tab is not a delimiter: it stays inside its token
            EnvoyLine.outboundOk().set(UA, "curl\t8").set(SNI, "x\ty").text(ISTIO_1_23),
            // the glued path and protocol of 1.0.3 inside a 1.9 line, and "- --"
            ok19().replace("\"GET /api/v1/reviews/7 HTTP/1.1\"", "\"GET /api/v1/reviews/7HTTP/1.1\""),
            ok19().replace("\"GET /api/v1/reviews/7 HTTP/1.1\"", "\"- --\""),
            ok19() + "\r\n",
        };
        for (String line : lines) assertTrue(same(line), () -> "not taken: " + line);
        AccessLogRecord ipv6 = ((ParseResult.Parsed) quick.parse(lines[2])).record();
        assertEquals("[fd00:10:244::17]:9080", ipv6.upstreamHost());
        assertEquals("[fd00::9]:51234", ipv6.downstreamRemoteAddress());
        AccessLogRecord reset = ((ParseResult.Parsed) quick.parse(lines[7])).record();
        assertEquals("upstream_reset_before_response_started{local reset}", reset.responseCodeDetails());
        assertEquals("local_reset", reset.cause());
    }

    @Test
    void handsOtherLinesToTheGeneralPath() {
        String ok = ok19();
        String[] lines = {
            // quotes inside the request line and the user agent (the general path's matcher resolves them)
            ok.replace("Mozilla/5.0", "Mo\"zil\" la"),
            ok.replace("Mozilla/5.0", "Mo\"zilla"),
            ok.replace("\"GET /api", "\"GET /a\" b/api"),
            // runs of spaces between fields, leading spaces
            ok.replace(" 200 ", "  200 "),
            ok.replace("\" 0 ", "\"  0 "),
            "  " + ok,
            // extra trailing fields, one field missing, a quoted number, a bare quoted field
            ok + " extra",
            ok + " \"quoted extra\"",
            ok.substring(0, ok.lastIndexOf(' ')),
            ok.replace(" 1432 ", " \"1432\" "),
            ok.replace("\"reviews.shop:9080\"", "reviews.shop:9080"),
            // invalid values
            ok.replace(" 200 ", " 2x0 "),
            ok.replace(" 1432 ", " -1432 "),
            ok.replace(" - via_upstream", " NotAFlag via_upstream"),
            ok.replace("2024-05-02T10:12:33.456Z", "2024-13-02T10:12:33.456Z"),
            ok.replace("2024-05-02T10:12:33.456Z", "2024-05-02 10:12:33.456Z"),
            ok.replace("HTTP/1.1\"", "HTTP/9\""),
            // older layouts
            EnvoyLine.outboundOk().text(ISTIO_1_8),
            EnvoyLine.outboundOk().text(ISTIO_1_3),
            EnvoyLine.outboundOk().text(ISTIO_1_0_TCP),
            EnvoyLine.outboundOk().text(ENVOY_DEFAULT),
            // Envoy's own log
            "[2024-05-02 10:12:33.456][21][warning][config] [grpc_stream.h:191] stream closed",
        };
        for (String line : lines) {
            assertTrue(!same(line), () -> "taken: " + line);
        }
        // and the general path still reads the quoted user agent and the old-style details
        AccessLogRecord r = ((ParseResult.Parsed) quick.parse(lines[0])).record();
        assertEquals("Mo\"zil\" la (X11; Linux x86_64) AppleWebKit/537.36", r.userAgent());
    }

    @Test
    void readsInvalidUtf8AsTheGeneralPathDoes() {
        Random r = new Random(5L);
        byte[] seed = ok19().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2000; i++) {
            byte[] line = seed.clone();
            line[1 + r.nextInt(line.length - 1)] = (byte) (0x80 + r.nextInt(0x80));
            ParseResult expected = general.parse(line, 0, line.length);
            assertEquals(expected, quick.parse(line, 0, line.length), () -> new String(line, StandardCharsets.UTF_8));
            assertEquals(expected, viewed(quick, line), () -> "parseView: " + new String(line, StandardCharsets.UTF_8));
        }
    }

    /** Every component of a record, read through its accessors (a lazy record decodes as it goes). */
    private static List<Object> components(AccessLogRecord r) {
        return java.util.Arrays.asList(r.format(), r.startTimeMillis(), r.startTime(), r.method(), r.path(),
                r.protocol(), r.responseCode(), r.responseFlags(), r.responseCodeDetails(),
                r.connectionTerminationDetails(), r.upstreamTransportFailureReason(), r.bytesReceived(),
                r.bytesSent(), r.durationMs(), r.upstreamServiceTimeMs(), r.xForwardedFor(), r.userAgent(),
                r.requestId(), r.authority(), r.upstreamHost(), r.upstreamCluster(), r.upstreamLocalAddress(),
                r.downstreamLocalAddress(), r.downstreamRemoteAddress(), r.requestedServerName(), r.routeName(),
                r.direction(), r.failureClass(), r.cause(), r.rbacPolicy());
    }

    /** The same values as a record made by the public constructor, every field given. */
    private static AccessLogRecord eager(AccessLogRecord r) {
        return new AccessLogRecord(r.format(), r.startTimeMillis(), r.startTime(), r.method(), r.path(),
                r.protocol(), r.responseCode(), r.responseFlags(), r.responseCodeDetails(),
                r.connectionTerminationDetails(), r.upstreamTransportFailureReason(), r.bytesReceived(),
                r.bytesSent(), r.durationMs(), r.upstreamServiceTimeMs(), r.xForwardedFor(), r.userAgent(),
                r.requestId(), r.authority(), r.upstreamHost(), r.upstreamCluster(), r.upstreamLocalAddress(),
                r.downstreamLocalAddress(), r.downstreamRemoteAddress(), r.requestedServerName(), r.routeName(),
                r.direction(), r.failureClass(), r.cause(), r.rbacPolicy());
    }

    @Test
    void lazyRecordsReadAsTheGeneralPathsRecordsOneAccessorAtATime() {
        // fresh records for each check, so equals (which decodes everything) cannot have filled a value first
        Random r = new Random(1903L);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) lines.add(AccessLogParserBytesTest.randomLine(r, i).text(ISTIO_1_23));
        lines.add(EnvoyLine.outboundOk().set(PATH, "/stra\u00dfe/\u65e5\u672c").set(UA, "agent \u00e9 \uD83D\uDE80")
                .set(AUTHORITY, "b\u00fccher.example:80").set(ROUTE, "r\u00f6ute").text(ISTIO_1_23));
        lines.add(EnvoyLine.outboundOk().set(ROUTE, "shop-vs.shop.0").set(XFF, "203.0.113.9, 10.0.0.1").text(ISTIO_1_9));
        int lazy = 0;
        for (String line : lines) {
            if (!same(line)) continue;
            lazy++;
            AccessLogRecord expected = ((ParseResult.Parsed) general.parse(line)).record();
            List<Object> want = components(expected);
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            for (int c = 0; c < want.size(); c++) {
                // each component read first, on a record nothing else has touched
                AccessLogRecord fresh = ((ParseResult.Parsed) quick.parse(b, 0, b.length)).record();
                assertEquals(want.get(c), components(fresh).get(c), "component " + c + " of " + line);
            }
            AccessLogRecord fromString = ((ParseResult.Parsed) quick.parse(line)).record();
            assertEquals(want, components(fromString), line);
            // read twice: the same value (and the same instance, kept after the first decode)
            assertTrue(fromString.userAgent() == fromString.userAgent() || fromString.userAgent() == null);
            AccessLogRecord fresh = ((ParseResult.Parsed) quick.parse(b, 0, b.length)).record();
            assertEquals(eager(expected).hashCode(), fresh.hashCode(), line);
            AccessLogRecord fresh2 = ((ParseResult.Parsed) quick.parse(b, 0, b.length)).record();
            assertEquals(eager(expected).toString(), fresh2.toString(), line);
            AccessLogRecord fresh3 = ((ParseResult.Parsed) quick.parse(b, 0, b.length)).record();
            assertEquals(eager(expected), fresh3, line);
            assertEquals(fresh3, eager(expected), line);
        }
        assertTrue(lazy > 400, "lazy records checked: " + lazy);
    }

    @Test
    void aLazyRecordKeepsItsOwnCopyOfTheLine() {
        // parse(bytes) only reads the caller's buffer during the call: overwriting it afterwards changes nothing
        String line = EnvoyLine.outboundOk().set(UA, "agent \u00e9").text(ISTIO_1_23);
        byte[] buf = ("xx" + line + "\n").getBytes(StandardCharsets.UTF_8);
        int len = line.getBytes(StandardCharsets.UTF_8).length;
        AccessLogRecord r = ((ParseResult.Parsed) quick.parse(buf, 2, len)).record();
        java.util.Arrays.fill(buf, (byte) '#');
        AccessLogRecord expected = ((ParseResult.Parsed) general.parse(line)).record();
        assertEquals(components(expected), components(r));
        assertEquals("agent \u00e9", r.userAgent());
    }

    @Test
    void aViewRecordReadsTheCallersBufferAndAgreesOneAccessorAtATime() {
        Random r = new Random(1904L);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) lines.add(AccessLogParserBytesTest.randomLine(r, i).text(ISTIO_1_23));
        lines.add(EnvoyLine.outboundOk().set(PATH, "/stra\u00dfe/\u65e5\u672c").set(UA, "agent \u00e9 \uD83D\uDE80")
                .set(AUTHORITY, "b\u00fccher.example:80").set(ROUTE, "r\u00f6ute").text(ISTIO_1_23));
        int lazy = 0;
        byte[] buf = new byte[64];
        for (String line : lines) {
            if (!same(line)) continue;
            lazy++;
            List<Object> want = components(((ParseResult.Parsed) general.parse(line)).record());
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            // one buffer reused for every line, as the topology reuses its record buffer: each record is read
            // before the next line is written over the previous one
            if (buf.length < b.length + 7) buf = new byte[b.length + 7];
            for (int c = 0; c < want.size(); c++) {
                java.util.Arrays.fill(buf, (byte) ' ');
                System.arraycopy(b, 0, buf, 7, b.length);
                AccessLogRecord fresh = quick.parseView(buf, 7, b.length);
                assertEquals(want.get(c), components(fresh).get(c), "component " + c + " of " + line);
            }
        }
        assertTrue(lazy > 200, "view records checked: " + lazy);
    }

    @Test
    void aViewRecordReadsValuesFromTheBufferAsItIsWhenFirstAsked() {
        // the terms of parseView: values read before the caller rewrites its buffer stay; later ones read the new bytes
        String line = EnvoyLine.outboundOk().set(UA, "agent-a").set(AUTHORITY, "a.example").text(ISTIO_1_23);
        byte[] buf = line.getBytes(StandardCharsets.UTF_8);
        AccessLogRecord r = quick.parseView(buf, 0, buf.length);
        assertEquals("agent-a", r.userAgent());
        String other = line.replace("agent-a", "agent-b").replace("a.example", "b.example");
        System.arraycopy(other.getBytes(StandardCharsets.UTF_8), 0, buf, 0, buf.length);
        assertEquals("agent-a", r.userAgent());
        assertEquals("b.example", r.authority());
    }

    @Test
    void parseViewRejectsWithTheReasonParseGives() {
        for (String line : new String[] {"", "   ", "hello world", "[2024-05-02 10:12:33.456][21][warning][config] x",
                "{\"start_time\": 3}", ok19().replace("200", "2x0"), ok19().substring(0, 60)}) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            ParseResult want = general.parse(b, 0, b.length);
            assertTrue(want instanceof ParseResult.Rejected, line);
            assertNull(quick.parseView(b, 0, b.length), line);
            assertEquals(((ParseResult.Rejected) want).reason(), quick.rejection(), line);
            // a good line after a rejected one is parsed as usual
            byte[] ok = ok19().getBytes(StandardCharsets.UTF_8);
            assertEquals(general.parse(ok19()), viewed(quick, ok));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> quick.parseView(new byte[4], 2, 3));
    }

    @Test
    void aLineTooLongForSpansTakesTheGeneralPathWithTheSameResult() {
        String line = EnvoyLine.outboundOk().set(UA, "u".repeat(AccessLogRecord.MAX_LAZY_LINE)).text(ISTIO_1_23);
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        assertNull(text.layout19(b, 0, b.length));
        assertEquals(general.parse(line), quick.parse(line));
        String justShort = EnvoyLine.outboundOk().set(UA, "u".repeat(AccessLogRecord.MAX_LAZY_LINE - 700))
                .text(ISTIO_1_23);
        assertTrue(justShort.length() < AccessLogRecord.MAX_LAZY_LINE, "the line must fit the spans");
        assertTrue(same(justShort));
        AccessLogRecord r = ((ParseResult.Parsed) quick.parse(justShort)).record();
        assertEquals(AccessLogRecord.MAX_LAZY_LINE - 700, r.userAgent().length());
        assertEquals("default", r.routeName());
    }

    @Test
    void threadsSharingALazyRecordReadTheSameValues() throws Exception {
        // every thread's first read may race another's decode; all must see the value the general path gives
        Random r = new Random(77L);
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < 200; i++) {
                String line = AccessLogParserBytesTest.randomLine(r, i).text(ISTIO_1_23);
                if (!same(line)) continue;
                List<Object> want = components(((ParseResult.Parsed) general.parse(line)).record());
                AccessLogRecord shared = ((ParseResult.Parsed) quick.parse(line)).record();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<List<Object>>> seen = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    seen.add(pool.submit(() -> {
                        go.await();
                        return components(shared);
                    }));
                }
                go.countDown();
                for (java.util.concurrent.Future<List<Object>> f : seen) {
                    assertEquals(want, f.get(10, java.util.concurrent.TimeUnit.SECONDS), line);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readsALineAtTheVeryEndOfItsBuffer() {
        // the eight-byte reads must not run past the array, and bytes past the range must not count
        String line = ok19();
        byte[] exact = line.getBytes(StandardCharsets.UTF_8);
        assertNotNull(text.layout19(exact, 0, exact.length));
        byte[] padded = (line + " 1 2 3\"").getBytes(StandardCharsets.UTF_8);
        assertEquals(quick.parse(exact, 0, exact.length), quick.parse(padded, 0, exact.length));
        byte[] shortLine = "[2024-05-02T10:12:33.456Z] \"GET / HTTP/1.1\" 200".getBytes(StandardCharsets.UTF_8);
        assertNull(text.layout19(shortLine, 0, shortLine.length));
        same(new String(shortLine, StandardCharsets.UTF_8));
    }
}
