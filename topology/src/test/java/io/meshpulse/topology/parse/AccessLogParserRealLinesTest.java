package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real istio-proxy output, not made for this parser: lines people pasted into GitHub issues, pull requests and web
 * pages (resource {@code parse-real/real-lines.txt}, each with its address). Istio 1.0 to 1.25 text layouts, the JSON
 * encoding in both eras, TCP, gateways, egress gateways, RBAC and filter-chain refusals, and istio-agent / Envoy
 * lines (text and JSON) that must be rejected, plus lines the paste damaged. Every accepted line's expectation holds
 * every field of the {@code meshpulse parse} contract, checked by hand; a rejected line's holds the reason up to its
 * first ':'. Each line goes through {@code parse(byte[])}, {@code parse(String)} and {@code parseView}.
 */
class AccessLogParserRealLinesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One block of the resource: where the line comes from, what it must give, the line. */
    private record Case(String source, JsonNode expect, String line) {}

    @TestFactory
    Stream<DynamicTest> realLines() throws IOException {
        List<Case> cases = cases();
        AccessLogParser bytes = new AccessLogParser();
        AccessLogParser strings = new AccessLogParser();
        AccessLogParser views = new AccessLogParser();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String name = (i + 1) + " " + c.source();
            tests.add(DynamicTest.dynamicTest(name, () -> check(name, c, bytes, strings, views)));
        }
        return tests.stream();
    }

    @Test
    void corpusCoversManySourcesAndBothOutcomes() throws IOException {
        List<Case> cases = cases();
        Set<String> sources = new HashSet<>();
        int accepted = 0;
        for (Case c : cases) {
            sources.add(c.source().split(" ", 2)[0]);
            if (c.expect().get("ok").asBoolean()) accepted++;
        }
        assertTrue(cases.size() >= 70, "lines: " + cases.size());
        assertTrue(sources.size() >= 50, "sources: " + sources.size());
        assertTrue(accepted >= 30 && cases.size() - accepted >= 40, "accepted " + accepted + " of " + cases.size());
    }

    private static void check(String name, Case c, AccessLogParser bytes, AccessLogParser strings,
                              AccessLogParser views) {
        byte[] line = c.line().getBytes(StandardCharsets.UTF_8);
        ParseResult fromBytes = bytes.parse(line, 0, line.length);
        ParseResult fromString = strings.parse(c.line());
        AccessLogRecord view = views.parseView(line, 0, line.length);
        if (!c.expect().get("ok").asBoolean()) {
            String want = c.expect().get("reason").asText();
            ParseResult.Rejected rej = assertInstanceOf(ParseResult.Rejected.class, fromBytes, name);
            assertEquals(want, category(rej.reason()), name + ": reason " + rej.reason());
            assertEquals(rej, fromString, name + ": parse(String) agrees");
            assertNull(view, name + ": parseView agrees");
            assertEquals(rej.reason(), views.rejection(), name + ": parseView's reason agrees");
            return;
        }
        if (fromBytes instanceof ParseResult.Rejected rej) fail(name + ": expected an access log, got: " + rej.reason());
        AccessLogRecord r = ((ParseResult.Parsed) fromBytes).record();
        assertEquals(r, ((ParseResult.Parsed) fromString).record(), name + ": parse(String) agrees");
        assertNotNull(view, name + ": parseView agrees");
        assertEquals(r, view, name + ": parseView agrees");
        ObjectNode got = AccessLogParserAuditTest.contract(r);
        for (Iterator<Map.Entry<String, JsonNode>> it = c.expect().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("ok")) continue;
            JsonNode have = got.get(f.getKey());
            if (!AccessLogParserAuditTest.sameValue(f.getValue(), have)) {
                assertEquals(f.getValue().toString(), String.valueOf(have), name + ": " + f.getKey());
            }
        }
        assertEquals(got.size(), c.expect().size() - 1, name + ": every contract field is expected");
    }

    /** A rejection reason up to its first ':' ("not an access log: '...'" is "not an access log"). */
    private static String category(String reason) {
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }

    private static List<Case> cases() throws IOException {
        String text;
        try (InputStream in = AccessLogParserRealLinesTest.class.getResourceAsStream("/parse-real/real-lines.txt")) {
            assertNotNull(in, "parse-real/real-lines.txt");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        String source = null;
        JsonNode expect = null;
        for (String l : text.split("\n", -1)) {
            if (l.startsWith("## source: ")) {
                source = l.substring(11);
            } else if (l.startsWith("## expect: ")) {
                expect = JSON.readTree(l.substring(11));
            } else if (l.isEmpty() || l.startsWith("# ")) {
                continue;
            } else {
                assertNotNull(source, "a source before line: " + l);
                assertNotNull(expect, "an expectation before line: " + l);
                cases.add(new Case(source, expect, l));
                source = null;
                expect = null;
            }
        }
        return cases;
    }
}
