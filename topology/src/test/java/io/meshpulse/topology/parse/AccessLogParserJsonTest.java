package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static io.meshpulse.topology.parse.RecordAssertions.assertFields;
import static io.meshpulse.topology.parse.RecordAssertions.operatorsOf;
import static io.meshpulse.topology.parse.RecordAssertions.parsed;
import static io.meshpulse.topology.parse.RecordAssertions.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessLogParserJsonTest {

    private final AccessLogParser parser = new AccessLogParser();

    @Test
    void readsTypedEraJson() {
        EnvoyLine line = EnvoyLine.outboundOk();
        String json = line.typedJson(JSON_HEAD);
        AccessLogRecord r = parsed(parser.parse(json));

        assertFields(line, operatorsOf(JSON_HEAD), LogFormat.JSON, r);
        assertSame("GET", r.method());
        assertEquals(15L, r.upstreamServiceTimeMs());
        assertEquals(Direction.OUTBOUND, r.direction());
        assertEquals(FailureClass.NONE, r.failureClass());
    }

    @Test
    void readsTypedEraFailureWithNullsAndUnsortedKeys() {
        EnvoyLine line = EnvoyLine.outboundOk()
                .set(CODE, "503").set(FLAGS, "URX,UF").set(UST, null).set(ULA, null)
                .set(DETAILS, "upstream_reset_before_response_started{connection_failure}");
        List<String[]> keys = new ArrayList<>(List.of(JSON_HEAD));
        Collections.reverse(keys);
        String json = line.typedJson(keys.toArray(new String[0][]));
        AccessLogRecord r = parsed(parser.parse(json));

        assertFields(line, operatorsOf(JSON_HEAD), LogFormat.JSON, r);
        assertEquals("UF", r.failureClass());
        assertEquals("connection_failure", r.cause());
    }

    @Test
    void readsAnEmptyStringAsNoValue() {
        EnvoyLine line = EnvoyLine.outboundOk()
                .set(CODE, "503").set(FLAGS, "UF").set(UST, null).set(ULA, null).set(XFF, null).set(SNI, null)
                .set(DETAILS, "upstream_reset_before_response_started{connection_failure}");
        String withNulls = line.typedJson(JSON_HEAD);
        String withEmpties = withNulls.replace(":null", ":\"\"");
        assertEquals(false, withEmpties.contains(":null"), withEmpties);
        AccessLogRecord r = parsed(parser.parse(withEmpties));
        assertEquals(parsed(parser.parse(withNulls)), r);
        assertNull(r.upstreamServiceTimeMs());
        assertNull(r.upstreamLocalAddress());
        assertNull(r.xForwardedFor());
        assertNull(r.requestedServerName());
        assertEquals("UF", r.failureClass());
        // no flags as "" is no flags, as "-" is
        AccessLogRecord ok = parsed(parser.parse(EnvoyLine.outboundOk().typedJson(JSON_HEAD)
                .replace("\"response_flags\":\"-\"", "\"response_flags\":\"\"")));
        assertEquals(FailureClass.NONE, ok.failureClass());
        assertEquals(Set.of(), Set.copyOf(ok.responseFlags()));
        // what a line cannot do without is still missing when it is empty
        String noStart = withNulls.replaceFirst("\"start_time\":\"[^\"]*\"", "\"start_time\":\"\"");
        assertEquals("bad start time: ''", rejected(parser.parse(noStart)));
        String noCode = withNulls.replace("\"response_code\":503", "\"response_code\":\"\"");
        assertEquals("response code is not a number: ''", rejected(parser.parse(noCode)));
    }

    @Test
    void readsStringEraJson() {
        EnvoyLine line = EnvoyLine.outboundOk().set(CODE, "504").set(FLAGS, "UT").set(MIXER, "-");
        String json = line.stringJson(JSON_1_3);
        AccessLogRecord r = parsed(parser.parse(json));

        assertFields(line, operatorsOf(JSON_1_3), LogFormat.JSON, r);
        assertEquals(504, r.responseCode());
        assertEquals("UT", r.failureClass());
    }

    @Test
    void readsStringEraTcpLine() {
        EnvoyLine line = EnvoyLine.outboundOk().set(METHOD, null).set(PATH, null).set(PROTOCOL, null)
                .set(CODE, "0").set(UST, null).set(UA, null).set(RID, null).set(AUTHORITY, null);
        AccessLogRecord r = parsed(parser.parse(line.stringJson(JSON_1_3)));
        assertFields(line, operatorsOf(JSON_1_3), LogFormat.JSON, r);
        assertEquals(0, r.responseCode());
        assertNull(r.upstreamServiceTimeMs());
    }

    @Test
    void treatsTheIstio11StartTimeInMethodAsNoMethod() {
        EnvoyLine line = EnvoyLine.outboundOk();
        AccessLogRecord r = parsed(parser.parse(line.stringJson(JSON_1_1)));
        assertNull(r.method());
        assertEquals("/api/v1/reviews/7", r.path());
        assertEquals(line.get(START_TIME), r.startTime());
    }

    @Test
    void readsNoRouteWithNullClusterAndRoute() {
        EnvoyLine line = EnvoyLine.outboundOk().set(CODE, "404").set(FLAGS, "NR").set(DETAILS, "route_not_found")
                .set(CLUSTER, null).set(ROUTE, null).set(UPSTREAM_HOST, null).set(UST, null);
        AccessLogRecord r = parsed(parser.parse(line.typedJson(JSON_HEAD)));
        assertNull(r.upstreamCluster());
        assertNull(r.routeName());
        assertEquals("NR", r.failureClass());
        assertEquals(Direction.OUTBOUND, r.direction());
    }

    @Test
    void dropsTheTrailingSemicolonFromTheCluster() {
        EnvoyLine line = EnvoyLine.outboundOk().set(CLUSTER, "outbound|80||foo.ns.svc.cluster.local;");
        AccessLogRecord r = parsed(parser.parse(line.typedJson(JSON_HEAD)));
        assertEquals("outbound|80||foo.ns.svc.cluster.local", r.upstreamCluster());
    }

    @Test
    void unescapesStringsAndIgnoresUnknownAndNestedValues() {
        String json = "{ \"start_time\" : \"2024-05-02T10:12:33.456Z\", \"custom\":{\"a\":[1,{\"b\":\"}]\"}],\"c\":null},"
                + "\"user_agent\":\"say \\\"hi\\\" \\u00e9\\\\\", \"response_code\":200, \"response_flags\":\"-\","
                + "\"tags\":[\"x\",\"y\"], \"sampled\":true, \"ratio\":-1.5e3, \"upstream_cluster\":\"inbound|8080||\","
                + "\"method\":\"PUT\", \"path\":\"/a\\/b\" }";
        AccessLogRecord r = parsed(parser.parse(json));
        assertEquals("say \"hi\" \u00e9\\", r.userAgent());
        assertEquals("/a/b", r.path());
        assertSame("PUT", r.method());
        assertEquals(Direction.INBOUND, r.direction());
        assertEquals(List.of(), r.responseFlags());
        assertEquals(-1, r.bytesSent());
    }

    @Test
    void readsRbacDenialFromJson() {
        EnvoyLine line = EnvoyLine.outboundOk().set(CODE, "403")
                .set(DETAILS, "rbac_access_denied_matched_policy[ns[payments]-policy[deny-external]-rule[1]]")
                .set(CLUSTER, "inbound|8080||");
        AccessLogRecord r = parsed(parser.parse(line.typedJson(JSON_HEAD)));
        assertEquals(FailureClass.RBAC, r.failureClass());
        assertEquals("payments/deny-external", r.rbacPolicy());
        assertEquals(Direction.INBOUND, r.direction());
    }

    @Test
    void readsATcpRbacDenialWithoutClusterAsTheServersLine() {
        EnvoyLine line = EnvoyLine.outboundOk().set(METHOD, null).set(PATH, null).set(PROTOCOL, null)
                .set(CODE, "0").set(UST, null).set(UA, null).set(RID, null).set(AUTHORITY, null)
                .set(DETAILS, null).set(TERM, "rbac_access_denied_matched_policy[none]")
                .set(CLUSTER, null).set(ROUTE, null).set(UPSTREAM_HOST, null).set(ULA, null)
                .set(SNI, "outbound_.3306_._.mysql.db.svc.cluster.local");
        AccessLogRecord r = parsed(parser.parse(line.typedJson(JSON_HEAD)));
        assertEquals(FailureClass.RBAC, r.failureClass());
        assertEquals(Direction.INBOUND, r.direction());
        AccessLogRecord s = parsed(parser.parse(line.set(SNI, "mysql.example.com").typedJson(JSON_HEAD)));
        assertEquals(Direction.UNKNOWN, s.direction());
    }

    @Test
    void rejectsJsonThatIsNotAnAccessLog() {
        assertEquals("istio-agent log (info)", rejected(parser.parse(
                "{\"level\":\"info\",\"time\":\"2024-05-02T10:12:33.456789Z\",\"scope\":\"xdsproxy\",\"msg\":\"connected\"}")));
        assertEquals("envoy proxy log (warning)", rejected(parser.parse(
                "{\"level\":\"warning\",\"time\":\"2024-05-02T10:12:33.456Z\",\"scope\":\"envoy config\",\"msg\":\"closed\"}")));
        assertEquals("not an access log: docker json-file envelope", rejected(parser.parse(
                "{\"log\":\"[2024-05-02T10:12:33.456Z] \\\"GET / HTTP/1.1\\\" 200\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-02T10:12:33.4Z\"}")));
        assertEquals("not an access log: JSON object without start_time",
                rejected(parser.parse("{\"user\":\"bob\",\"count\":3}")));
        assertEquals("not an access log: JSON object without response_code",
                rejected(parser.parse("{\"start_time\":\"2024-05-02T10:12:33.456Z\"}")));
    }

    @Test
    void rejectsMalformedJsonAndBadValues() {
        Set<String> reasons = Set.of(
                rejected(parser.parse("{\"start_time\":\"2024-05-02T10:12:33.456Z\",\"response_code\":")),
                rejected(parser.parse("{\"start_time\":\"2024-05-02T10:12:33.456Z\" \"response_code\":200}")),
                rejected(parser.parse("{\"start_time\":\"2024-05-02T10:12:33.456Z\",\"response_code\":200} x")));
        reasons.forEach(r -> assertEquals("malformed JSON", r.substring(0, 14), r));
        assertEquals("response code is not a number: 'abc'", rejected(parser.parse(
                "{\"start_time\":\"2024-05-02T10:12:33.456Z\",\"response_code\":\"abc\"}")));
        assertEquals("bad start time: 'yesterday'", rejected(parser.parse(
                "{\"start_time\":\"yesterday\",\"response_code\":200}")));
    }
}
