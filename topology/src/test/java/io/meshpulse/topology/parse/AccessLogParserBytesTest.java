package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static io.meshpulse.topology.parse.RecordAssertions.parsed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.legacy.LegacyAccessLogParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The byte-level parser against the String-based implementation it replaced ({@link LegacyAccessLogParser}, kept
 * unchanged in the test sources as the oracle): for every line, {@code parse(String)}, {@code parse(byte[], off, len)}
 * and {@code parseView(byte[], off, len)} over the line embedded in a larger buffer, and the old parser must give
 * equal results, rejection reasons included.
 * The lines cover every layout and JSON era with varied and non-ASCII values, the other parser tests' lines, mutated
 * and random lines, and invalid UTF-8.
 */
class AccessLogParserBytesTest {

    private static final String[] TEXT_FORMATS = {
        ENVOY_DEFAULT, ISTIO_1_0_3, ISTIO_1_0_TCP, ISTIO_1_1_SNAPSHOT, ISTIO_1_1, ISTIO_1_2, ISTIO_1_3, ISTIO_1_8,
        ISTIO_1_9, ISTIO_1_23,
    };
    /** Bytes around the line in the buffer: delimiters and digits, so a read past the range would change results. */
    private static final byte[] BEFORE = "] \" { 200 UF \\ 2024-05-02T10:12:33.456Z\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] AFTER = "\"}] {\\ 7 -\" x\u00e9 [".getBytes(StandardCharsets.UTF_8);

    private final AccessLogParser parser = new AccessLogParser();
    private final LegacyAccessLogParser legacy = new LegacyAccessLogParser();

    @Test
    void agreesWithThePreviousParserOnVariedLinesInEveryLayout() {
        Random r = new Random(42L);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) lines.addAll(renderings(randomLine(r, i)));
        int parsedCount = 0;
        for (String line : lines) {
            if (same(line) instanceof ParseResult.Parsed) parsedCount++;
        }
        assertTrue(parsedCount > lines.size() * 9 / 10, parsedCount + " of " + lines.size() + " parsed");
    }

    @Test
    void agreesWithThePreviousParserOnMutatedAndRandomLines() {
        Random r = new Random(20240502L);
        List<String> seeds = new ArrayList<>(AccessLogParserFuzzTest.seeds());
        for (int i = 0; i < 40; i++) seeds.addAll(renderings(randomLine(r, i)));
        int rejected = 0;
        for (int i = 0; i < 10_000; i++) {
            String line = AccessLogParserFuzzTest.mutate(seeds.get(r.nextInt(seeds.size())), r);
            if (same(line) instanceof ParseResult.Rejected) rejected++;
        }
        assertTrue(rejected > 1000, "rejected " + rejected);
        char[] interesting = {' ', '"', '[', ']', '{', '}', ',', ':', '\\', '-', '|', ';', '\t', '\n', '\u0000',
            'Z', 'T', '0', '9', '\u00e9', '\u00ff', '\u4e2d', '\u0131', '\u017f', '\ufffd'};
        for (int i = 0; i < 8_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(300);
            sb.append("[{0 ".charAt(r.nextInt(4)));
            for (int k = 0; k < len; k++) {
                sb.append(r.nextInt(4) == 0 ? interesting[r.nextInt(interesting.length)] : (char) r.nextInt(0x80));
            }
            same(sb.toString());
        }
    }

    @Test
    void agreesWithThePreviousParserOnTheOtherTestsLines() {
        AccessLogParserRejectTest.lines().map(Arguments::get).forEach(args -> {
            String line = (String) args[0];
            if (line != null) same(line);
        });
        for (String line : AccessLogParserFuzzTest.seeds()) same(line);
        String a19 = AccessLogParserTextTest.a19("503", "UC", "upstream_reset_before_response_started{local reset}",
                AccessLogParserTextTest.OUT, "default");
        same(a19);
        same(a19.replace("Mozilla", "Mo\"zil\" la"));
        same(a19.replace("\"GET ", "\"GET /a\" b"));
        // positions quoted in JSON errors count chars, also after multi-byte characters
        same("{\"path\":\"/\u00e9\u00e9\u4e2d\uD83D\uDE00\", \"x\" 1}");
        same("{\"user_agent\":\"\u00e9\"} trailing");
        same("{\"start_time\":\"2024-05-02T10:12:33.456Z\",\"method\":\"\u00e9\",\"response_code\":200,");
        same("[" + "\u00e9".repeat(30) + "] \"GET / HTTP/1.1\" 200 - 0 0 1 - \"-\" \"-\" \"-\" \"-\" \"-\"");
        same("[" + "\u00e9".repeat(45) + "] \"GET / HTTP/1.1\" 200 - 0 0 1 - \"-\" \"-\" \"-\" \"-\" \"-\"");
        same("[2024-05-02 10:12:33.456][21][warning][config] \u00e9 closed");
        same("[\u00e9024-05-02 10:12:33.456][21][warning][config] closed");
        same("2024-05-02T10:12:33.456789Z\t\u0131nfo\txdsproxy\tconnected");
        same("{\"level\":\"\u00e9rror\",\"scope\":\"envoy main\",\"msg\":\"x\"}");
        same("{\"start_time\":\"2024-05-02T10:12:33Z\",\"response_code\":200,\"user_agent\":\"a\\u00e9\\ud83d\\uFF11b\"}");
        same("{\"start_time\":\"2024-05-02T10:12:33Z\",\"response_code\":200,\"upstream_cluster\":\"a\\u003b;\"}");
        same("{\"start_time\":\"2024-05-02T10:12:33Z\",\"response_code\":200,\"upstream_cluster\":\"x;;\"}");
    }

    @Test
    void readsInvalidUtf8AsTheDecodedLineWouldRead() {
        Random r = new Random(3L);
        List<String> seeds = AccessLogParserFuzzTest.seeds();
        for (int i = 0; i < 3000; i++) {
            byte[] line = seeds.get(r.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8);
            int edits = 1 + r.nextInt(4);
            for (int k = 0; k < edits; k++) {
                line[r.nextInt(line.length)] = (byte) (0x80 + r.nextInt(0x80)); // a stray lead or continuation byte
            }
            ParseResult expected = legacy.parse(new String(line, StandardCharsets.UTF_8));
            assertEquals(expected, parser.parse(line, 0, line.length), () -> new String(line, StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsOnlyTheGivenRangeAndIgnoresTheLineEnd() {
        String line = EnvoyLine.outboundOk().text(ISTIO_1_23);
        byte[] buf = (line + "\r\n" + line.replace("200", "503") + "\n").getBytes(StandardCharsets.UTF_8);
        int second = line.length() + 2;
        AccessLogRecord first = parsed(parser.parse(buf, 0, line.length() + 2));
        AccessLogRecord next = parsed(parser.parse(buf, second, buf.length - second));
        assertEquals(200, first.responseCode());
        assertEquals(503, next.responseCode());
        assertEquals(parser.parse(line), new ParseResult.Parsed(first));
        assertThrows(IndexOutOfBoundsException.class, () -> parser.parse(buf, 10, buf.length));
    }

    @Test
    void keepsGivingCorrectValuesWhenDistinctValuesOverflowTheCaches() {
        // far more distinct clusters, hosts, paths, details and flag sets than the caches have slots
        for (int i = 0; i < 20_000; i++) {
            EnvoyLine l = EnvoyLine.outboundOk()
                    .set(CLUSTER, "outbound|" + (i % 9000) + "||svc" + i + ".ns.svc.cluster.local" + (i % 3 == 0 ? ";" : ""))
                    .set(UPSTREAM_HOST, "10.1." + (i / 250) + "." + (i % 250) + ":80")
                    .set(PATH, "/items/" + i).set(AUTHORITY, "svc" + (i % 20000) + ":80")
                    .set(DETAILS, i % 7 == 0 ? "rbac_access_denied_matched_policy[ns[n" + i + "]-policy[p]-rule[0]]"
                            : "upstream_reset_before_response_started{cause_" + (i % 5000) + "}")
                    .set(FLAGS, i % 11 == 0 ? "-" : FailureClass.FLAG_PRIORITY.get(i % 30) + ","
                            + FailureClass.FLAG_PRIORITY.get((i / 30) % 30));
            same(i % 2 == 0 ? l.text(ISTIO_1_23) : l.typedJson(JSON_HEAD));
        }
    }

    @Test
    void readsStartTimesAsTheSharedRfc3339ReaderDoes() {
        Rfc3339Bytes times = new Rfc3339Bytes();
        Random r = new Random(11L);
        String[] seeds = {"2024-05-02T10:12:33.456Z", "2024-02-29T23:59:60.999999999+05:30", "2023-02-29T00:00:00Z",
            "1999-12-31t23:59:59-0800", "2024-05-02T10:12:33", "2024-05-02T10:12:33.Z", "0001-01-01T00:00:00Z",
            "2024-05-02T10:12:33.4567890123Z", "2024-05-02T10:12:33+24:00", "2024-05-02 10:12:33Z"};
        String digitsAndMarks = "0123456789-:T.Z+zt \u00e9";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder(seeds[r.nextInt(seeds.length)]);
            int edits = r.nextInt(3);
            for (int k = 0; k < edits && sb.length() > 0; k++) {
                sb.setCharAt(r.nextInt(sb.length()), digitsAndMarks.charAt(r.nextInt(digitsAndMarks.length())));
            }
            String s = sb.toString();
            byte[] b = ("x" + s + "]").getBytes(StandardCharsets.UTF_8);
            long expected = Rfc3339.parseMillis(s, 0, s.length());
            assertEquals(expected, times.parseMillis(b, 1, b.length - 1), s);
        }
    }

    @Test
    void readsEnvoysDefaultTimeFormatAsTheSharedReaderDoesOneByteOff() {
        // the 24-char form has its own reading once the date is known: every byte of it, set to each of the bytes
        // that could fool a digit or separator test, on a known and on a new date
        String base = "2024-05-02T10:12:33.456Z";
        String marks = "0123456789-:T.Z+zt /;\u007f\u00e9";
        for (String prime : new String[] {base, "2024-05-03T00:00:00.000Z"}) {
            for (int at = 0; at < base.length(); at++) {
                for (int m = 0; m < marks.length(); m++) {
                    Rfc3339Bytes times = new Rfc3339Bytes();
                    byte[] p = ("[" + prime + "]").getBytes(StandardCharsets.UTF_8);
                    times.parseMillis(p, 1, p.length - 1);
                    StringBuilder sb = new StringBuilder(base);
                    sb.setCharAt(at, marks.charAt(m));
                    String s = sb.toString();
                    byte[] b = ("[" + s + "]").getBytes(StandardCharsets.UTF_8);
                    assertEquals(Rfc3339.parseMillis(s, 0, s.length()), times.parseMillis(b, 1, b.length - 1), s);
                }
            }
        }
        Rfc3339Bytes times = new Rfc3339Bytes();
        for (String s : new String[] {"2024-05-02T23:59:60.999Z", "2024-05-02T24:00:00.000Z", "2024-05-02T10:60:00.000Z",
            "2024-05-02T00:00:00.000Z", "2024-05-02T10:12:33.456Z"}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(Rfc3339.parseMillis(s, 0, s.length()), times.parseMillis(b, 0, b.length), s);
        }
    }

    /** Asserts the three readings of {@code line} agree and returns the result. */
    private ParseResult same(String line) {
        ParseResult expected = legacy.parse(withoutLoneSurrogates(line));
        ParseResult fromString = parser.parse(line);
        assertEquals(expected, fromString, () -> "parse(String) differs for: " + line);
        byte[] content = line.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[BEFORE.length + content.length + AFTER.length];
        System.arraycopy(BEFORE, 0, buf, 0, BEFORE.length);
        System.arraycopy(content, 0, buf, BEFORE.length, content.length);
        System.arraycopy(AFTER, 0, buf, BEFORE.length + content.length, AFTER.length);
        ParseResult fromBytes = parser.parse(buf, BEFORE.length, content.length);
        assertEquals(expected, fromBytes, () -> "parse(byte[]) differs for: " + line);
        AccessLogRecord viewed = parser.parseView(buf, BEFORE.length, content.length);
        ParseResult fromView = viewed != null ? new ParseResult.Parsed(viewed) : new ParseResult.Rejected(parser.rejection());
        assertEquals(expected, fromView, () -> "parseView differs for: " + line);
        if (fromBytes instanceof ParseResult.Rejected rej) {
            assertFalse(rej.reason().startsWith("parser error"), () -> rej.reason() + " for " + line);
        }
        return fromBytes;
    }

    /** What a String reads as once encoded to UTF-8: an unpaired surrogate becomes '?'. */
    private static String withoutLoneSurrogates(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    /** Every rendering of one request: each TEXT layout, typed and string-era JSON. */
    private static List<String> renderings(EnvoyLine l) {
        List<String> out = new ArrayList<>();
        for (String f : TEXT_FORMATS) out.add(l.text(f));
        out.add(l.typedJson(JSON_HEAD));
        out.add(l.stringJson(JSON_1_3));
        out.add(l.stringJson(JSON_1_1));
        return out;
    }

    private static final String[] CLUSTERS = {
        "outbound|9080||reviews.shop.svc.cluster.local", "outbound|9080||reviews.shop.svc.cluster.local;",
        "inbound|8080||", "inbound|8080||;", "inbound-vip|80|http|ratings.shop.svc.cluster.local",
        "PassthroughCluster", "BlackHoleCluster", "InboundPassthroughClusterIpv4", "AllowAnyDynamicDNSCluster", null,
        ";", "outbound|443||api.example.com;;",
    };
    private static final String[] DETAILS_VALUES = {
        "via_upstream", "route_not_found", "filter_chain_not_found", "direct_response", "no_healthy_upstream",
        "rbac_access_denied_matched_policy[none]", "rbac_access_denied_matched_policy[ns[shop]-policy[deny]-rule[0]]",
        "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}",
        "upstream_reset_before_response_started{local reset}", "upstream_reset_before_response_started{}", null,
        "ext_authz_denied", "upstream_reset_after_response_started{remote_reset}",
    };
    private static final String[] FLAG_VALUES = {
        null, "UC", "UF,URX", "URX,UF", "NR", "DI", "UH", "XYZ", "NoRouteFound", "UT,DI", "DC,UC,UF", "LR",
    };
    private static final String[] PATHS = {
        "/", "/api/v1/reviews/7", "/stra\u00dfe/\u00fc", "/\u65e5\u672c/\uD83D\uDE00", "/q?a=1&b=%22x%22", null,
        "/with space", "/a{b}c",
    };
    private static final String[] AGENTS = {
        "curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "Mo\"zilla\" 5", "agent \u00e9\u00e8",
        "\uD83D\uDE80 rocket/1.0", null, "kube-probe/1.29",
    };
    private static final String[] ADDRESSES = {
        "10.244.1.17:9080", "[fd00:10:244::17]:9080", "127.0.0.6:41234", null, "10.96.0.10:53",
    };

    private static String pick(Random r, String[] values) {
        return values[r.nextInt(values.length)];
    }

    static EnvoyLine randomLine(Random r, int i) {
        String code = r.nextInt(10) == 0 ? "0" : Integer.toString(new int[] {200, 201, 302, 403, 404, 502, 503, 504}[r.nextInt(8)]);
        String ts = String.format("2024-%02d-%02dT%02d:%02d:%02d%s%s", 1 + r.nextInt(12), 1 + r.nextInt(28),
                r.nextInt(24), r.nextInt(60), r.nextInt(60),
                new String[] {".123", ".5", "", ".123456789"}[r.nextInt(4)],
                new String[] {"Z", "+02:00", "-0530", ""}[r.nextInt(4)]);
        return EnvoyLine.outboundOk()
                .set(START_TIME, ts)
                .set(METHOD, pick(r, new String[] {"GET", "POST", "PROPFIND", "get", null}))
                .set(PATH, pick(r, PATHS))
                .set(PROTOCOL, pick(r, new String[] {"HTTP/1.1", "HTTP/2", "HTTP/1.0", null}))
                .set(CODE, code).set(FLAGS, pick(r, FLAG_VALUES))
                .set(DETAILS, pick(r, DETAILS_VALUES)).set(TERM, pick(r, DETAILS_VALUES))
                .set(UTFR, r.nextBoolean() ? null : "delayed_connect_error:_111")
                .set(RX, Integer.toString(r.nextInt(100_000))).set(TX, Integer.toString(r.nextInt(100_000)))
                .set(DURATION, Integer.toString(r.nextInt(70_000)))
                .set(UST, r.nextBoolean() ? null : Integer.toString(r.nextInt(9000)))
                .set(XFF, r.nextBoolean() ? null : "203.0.113." + r.nextInt(250) + ", 10.0.0.1")
                .set(UA, pick(r, AGENTS))
                .set(RID, r.nextInt(5) == 0 ? null : new java.util.UUID(r.nextLong(), i).toString())
                .set(AUTHORITY, pick(r, new String[] {"reviews.shop:9080", "shop.example.com", "\u00e9x.example", null}))
                .set(UPSTREAM_HOST, pick(r, ADDRESSES)).set(CLUSTER, pick(r, CLUSTERS))
                .set(ULA, pick(r, ADDRESSES)).set(DLA, pick(r, ADDRESSES)).set(DRA, pick(r, ADDRESSES))
                .set(SNI, r.nextBoolean() ? null : "outbound_.9080_._.reviews.shop.svc.cluster.local")
                .set(ROUTE, pick(r, new String[] {"default", "block_all", "allow_any", "shop-vs.shop.0", null}))
                .set(MIXER, r.nextBoolean() ? null : "OK");
    }
}
