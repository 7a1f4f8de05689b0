package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An independent audit corpus (resources {@code parse-audit/lib-*}, made by {@code parse-audit/gen.py} from
 * FORMATS.md alone, without looking at the parser's own tests or generators): every Istio default TEXT layout in
 * success, failure-class, TCP, inbound/outbound, gateway, waypoint and IPv6 variants, extra trailing fields on every
 * layout, quotes and unicode in free-text values, JSON in both encodings' eras with shuffled keys and odd values,
 * the classification table (every flag alone, every ordered pair of flags, RBAC in either details field, the
 * EGRESS_BLOCKED variants) and proxy logs and broken lines that must be rejected.
 *
 * <p>Each line's expectation lists the contract's fields; {@code okAlt} marks a line whose rejection is as good as
 * its parse (a quote in a free-text value can make the split ambiguous) and {@code alt} lists other acceptable
 * values of a field. Every line is read through {@code parse(byte[])}, {@code parse(String)} and
 * {@code parseView}, which must agree.
 */
class AccessLogParserAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> auditCorpus() throws IOException {
        List<byte[]> lines = lines("lib-lines.txt.gz");
        List<JsonNode> expected = expectations("lib-expected.jsonl.gz");
        assertEquals(expected.size(), lines.size(), "one expectation per line");
        AccessLogParser bytes = new AccessLogParser();
        AccessLogParser strings = new AccessLogParser();
        AccessLogParser views = new AccessLogParser();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            byte[] line = lines.get(i);
            JsonNode e = expected.get(i);
            tests.add(DynamicTest.dynamicTest(e.get("id").asText(), () -> check(e, line, bytes, strings, views)));
        }
        return tests.stream();
    }

    private static void check(JsonNode e, byte[] line, AccessLogParser bytes, AccessLogParser strings,
                              AccessLogParser views) {
        ParseResult fromBytes = bytes.parse(line, 0, line.length);
        ParseResult fromString = strings.parse(new String(line, StandardCharsets.UTF_8));
        AccessLogRecord view = views.parseView(line, 0, line.length);
        String id = e.get("id").asText();
        if (!e.get("ok").asBoolean()) {
            assertInstanceOf(ParseResult.Rejected.class, fromBytes, id + ": must be rejected");
            assertInstanceOf(ParseResult.Rejected.class, fromString, id + ": must be rejected (String)");
            assertNull(view, id + ": must be rejected (view)");
            assertFalse(((ParseResult.Rejected) fromBytes).reason().isBlank(), id + ": a reason");
            return;
        }
        if (fromBytes instanceof ParseResult.Rejected rej) {
            if (e.path("okAlt").asBoolean()) {
                assertInstanceOf(ParseResult.Rejected.class, fromString, id + ": String entry point agrees");
                return;
            }
            fail(id + ": expected an access log, got rejected: " + rej.reason());
        }
        AccessLogRecord r = ((ParseResult.Parsed) fromBytes).record();
        assertEquals(r, ((ParseResult.Parsed) fromString).record(), id + ": parse(String) agrees");
        assertNotNull(view, id + ": parseView agrees");
        assertEquals(r, view, id + ": parseView agrees");
        ObjectNode got = contract(r);
        JsonNode alt = e.path("alt");
        for (Iterator<Map.Entry<String, JsonNode>> it = e.get("fields").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode want = f.getValue();
            JsonNode have = got.get(f.getKey());
            if (sameValue(want, have)) continue;
            boolean accepted = false;
            for (JsonNode a : alt.path(f.getKey())) accepted |= sameValue(a, have);
            if (!accepted) assertEquals(want.toString(), String.valueOf(have), id + ": " + f.getKey());
        }
    }

    /** Numbers compare by value (an int and a long node of 200 are the same), the rest as JSON trees. */
    static boolean sameValue(JsonNode want, JsonNode have) {
        if (have == null) return false;
        if (want.isNumber() && have.isNumber()) return want.decimalValue().compareTo(have.decimalValue()) == 0;
        return want.equals(have);
    }

    /** The record in the shape of the {@code meshpulse parse} contract (flags sorted: they are a set). */
    static ObjectNode contract(AccessLogRecord r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("format", r.format().name());
        o.put("startTime", r.startTime());
        o.put("method", r.method());
        o.put("path", r.path());
        o.put("protocol", r.protocol());
        o.put("responseCode", r.responseCode());
        ArrayNode flags = o.putArray("responseFlags");
        r.responseFlags().stream().sorted().forEach(flags::add);
        o.put("responseCodeDetails", r.responseCodeDetails());
        o.put("connectionTerminationDetails", r.connectionTerminationDetails());
        o.put("upstreamTransportFailureReason", r.upstreamTransportFailureReason());
        count(o, "bytesReceived", r.bytesReceived());
        count(o, "bytesSent", r.bytesSent());
        count(o, "durationMs", r.durationMs());
        o.put("upstreamServiceTimeMs", r.upstreamServiceTimeMs());
        o.put("xForwardedFor", r.xForwardedFor());
        o.put("userAgent", r.userAgent());
        o.put("requestId", r.requestId());
        o.put("authority", r.authority());
        o.put("upstreamHost", r.upstreamHost());
        o.put("upstreamCluster", r.upstreamCluster());
        o.put("upstreamLocalAddress", r.upstreamLocalAddress());
        o.put("downstreamLocalAddress", r.downstreamLocalAddress());
        o.put("downstreamRemoteAddress", r.downstreamRemoteAddress());
        o.put("requestedServerName", r.requestedServerName());
        o.put("routeName", r.routeName());
        o.put("direction", r.direction().name());
        o.put("failureClass", r.failureClass());
        return o;
    }

    /** The record keeps an absent count as -1; the contract prints null (as ParseOutput does). */
    private static void count(ObjectNode o, String name, long v) {
        if (v < 0) o.putNull(name);
        else o.put(name, v);
    }

    // -------------------------------------------------------------------------- the bugs this audit found

    /**
     * Istio 1.0's TCP format has no response-code token. Envoy prints 0 for a connection that sent no HTTP response,
     * and the same connection logged in any later layout reads 0; the record used to keep the draft's -1, which
     * {@code meshpulse parse} printed as {@code "responseCode":-1}.
     */
    @Test
    void istio10TcpLineHasCodeZero() {
        String line = "[2018-10-01T10:00:00.123Z] UF 0 0 1002 \"10.244.2.9:3306\" outbound|3306||mysql.db.svc.cluster.local"
                + " - 10.96.30.3:3306 10.244.0.5:40100";
        AccessLogRecord r = RecordAssertions.parsed(new AccessLogParser().parse(line));
        assertEquals(0, r.responseCode());
        assertEquals("UF", r.failureClass());
    }

    /**
     * Only Istio 1.0.3+ glued path and protocol ({@code "GET /xHTTP/1.1"}); the layout must follow the request
     * line, not the token count, or extra trailing fields land in SNI (read as the 1.1 snapshot layout) or in the
     * cluster and addresses (Envoy's default format read as 1.0.3). Envoy's default with five or more extras has
     * the 1.1 snapshot's exact shape, which nothing in the line can tell apart, so it is not asserted.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = ';', nullValues = "null", textBlock = """
        1.0.3 + 1 extra   ; "GET /api/v1/itemsHTTP/1.1" 200 - 0 512 12 11 "-" "curl/8.5.0" "rid" "items:8080" "10.244.1.17:8080" outbound|8080||items.shop.svc.cluster.local 10.244.0.5:51234 10.96.14.2:8080 10.244.0.5:40100 x1 ; outbound|8080||items.shop.svc.cluster.local ; 10.244.0.5:40100 ; /api/v1/items
        1.0.3 + 2 extras  ; "GET /api/v1/itemsHTTP/1.1" 200 - 0 512 12 11 "-" "curl/8.5.0" "rid" "items:8080" "10.244.1.17:8080" outbound|8080||items.shop.svc.cluster.local 10.244.0.5:51234 10.96.14.2:8080 10.244.0.5:40100 a b ; outbound|8080||items.shop.svc.cluster.local ; 10.244.0.5:40100 ; /api/v1/items
        1.0.3 + quote in UA + extra ; "GET /api/v1/itemsHTTP/1.1" 200 - 0 512 12 11 "-" "Go "x" 1.1" "rid" "items:8080" "10.244.1.17:8080" outbound|8080||items.shop.svc.cluster.local 10.244.0.5:51234 10.96.14.2:8080 10.244.0.5:40100 x1 ; outbound|8080||items.shop.svc.cluster.local ; 10.244.0.5:40100 ; /api/v1/items
        Envoy default + 4 ; "GET /api/v1/items HTTP/1.1" 200 - 0 512 12 11 "-" "curl/8.5.0" "rid" "items:8080" "10.244.1.17:8080" a b c d ; null ; null ; /api/v1/items
        """)
    void oldLayoutIsChosenByTheRequestLine(String name, String rest, String cluster, String remote, String path) {
        AccessLogRecord r = RecordAssertions.parsed(new AccessLogParser().parse("[2018-10-01T10:00:00.123Z] " + rest));
        assertEquals(cluster, r.upstreamCluster(), "cluster");
        assertEquals(remote, r.downstreamRemoteAddress(), "downstream remote");
        assertNull(r.requestedServerName(), "no SNI in the 1.0 layouts");
        assertNull(r.routeName(), "no route in the 1.0 layouts");
        assertEquals(path, r.path());
        assertEquals("HTTP/1.1", r.protocol());
        assertTrue(r.userAgent().startsWith("curl") || r.userAgent().startsWith("Go"));
    }

    /** The cause keyword kept on the record (not in the parse output), per FORMATS d's details forms. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = ';', nullValues = "null", textBlock = """
        503 ; UF,URX ; upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} ; - ; connection_failure ; UF
        503 ; URX,UF ; upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused} ; - ; remote_connection_failure ; UF
        503 ; UF ; upstream_reset_before_response_started{connection_failure,TLS_error:_268435703:SSL_routines:OPENSSL_internal:WRONG_VERSION_NUMBER} ; - ; connection_failure ; UF
        503 ; UC ; upstream_reset_before_response_started{connection_termination} ; - ; connection_termination ; UC
        200 ; UC ; upstream_reset_after_response_started{connection_termination} ; - ; connection_termination ; UC
        503 ; UO ; upstream_reset_before_response_started{overflow} ; - ; overflow ; UO
        503 ; UH ; no_healthy_upstream ; - ; no_healthy_upstream ; UH
        504 ; UT ; response_timeout ; - ; response_timeout ; UT
        403 ; - ; rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-dev]-rule[0]] ; - ; rbac_access_denied ; RBAC
        0 ; - ; - ; rbac_access_denied_matched_policy[none] ; rbac_access_denied ; RBAC
        0 ; DC ; downstream_remote_disconnect ; - ; downstream_remote_disconnect ; DC
        0 ; DR ; http2.remote_reset ; - ; http2.remote_reset ; DR
        403 ; UAEX ; ext_authz_denied ; - ; ext_authz_denied ; UAEX
        502 ; - ; direct_response ; - ; direct_response ; APP_5XX
        0 ; - ; - ; - ; null ; NONE
        """)
    void causeKeyword(int code, String flags, String details, String term, String cause, String failureClass) {
        String line = "[2024-05-01T10:00:00.123Z] \"GET / HTTP/1.1\" " + code + " " + flags + " " + details + " " + term
                + " \"-\" 0 0 1 - \"-\" \"curl\" \"rid\" \"a:80\" \"10.0.0.2:80\" outbound|80||a.b.svc.cluster.local"
                + " 10.0.0.1:1 10.96.0.1:80 10.0.0.1:2 - default";
        AccessLogRecord r = RecordAssertions.parsed(new AccessLogParser().parse(line));
        assertEquals(cause, r.cause());
        assertEquals(failureClass, r.failureClass());
    }

    // ------------------------------------------------------------------------------------------- resources

    private static List<byte[]> lines(String name) throws IOException {
        byte[] all;
        try (InputStream in = new GZIPInputStream(resource(name))) {
            all = in.readAllBytes();
        }
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                byte[] line = new byte[i - start];
                System.arraycopy(all, start, line, 0, line.length);
                out.add(line);
                start = i + 1;
            }
        }
        return out;
    }

    private static List<JsonNode> expectations(String name) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(resource(name))) {
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.isEmpty()) out.add(JSON.readTree(l));
            }
        }
        return out;
    }

    private static InputStream resource(String name) {
        InputStream in = AccessLogParserAuditTest.class.getResourceAsStream("/parse-audit/" + name);
        if (in == null) throw new IllegalStateException("missing test resource " + name);
        return in;
    }
}
