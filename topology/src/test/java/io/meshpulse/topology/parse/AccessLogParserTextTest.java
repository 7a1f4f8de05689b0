package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static io.meshpulse.topology.parse.RecordAssertions.assertFields;
import static io.meshpulse.topology.parse.RecordAssertions.operatorsOf;
import static io.meshpulse.topology.parse.RecordAssertions.parsed;
import static io.meshpulse.topology.parse.RecordAssertions.rejected;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccessLogParserTextTest {

    private final AccessLogParser parser = new AccessLogParser();

    // ------------------------------------------------------------------ every layout, rendered from its format

    static Stream<Arguments> httpLayouts() {
        return Stream.of(
                Arguments.of("envoy default (1.0.0-1.0.2)", ENVOY_DEFAULT),
                Arguments.of("1.0.3+", ISTIO_1_0_3),
                Arguments.of("1.1 snapshot", ISTIO_1_1_SNAPSHOT),
                Arguments.of("1.1", ISTIO_1_1),
                Arguments.of("1.2", ISTIO_1_2),
                Arguments.of("1.3-1.7", ISTIO_1_3),
                Arguments.of("1.8", ISTIO_1_8),
                Arguments.of("1.9-1.22", ISTIO_1_9),
                Arguments.of("1.23+", ISTIO_1_23));
    }

    @ParameterizedTest(name = "{0}: success")
    @MethodSource("httpLayouts")
    void parsesSuccessLineInEveryLayout(String name, String format) {
        EnvoyLine line = EnvoyLine.outboundOk().set(MIXER, "OK").set(SNI, "outbound_.9080_._.reviews.shop.svc.cluster.local");
        AccessLogRecord r = parsed(parser.parse(line.text(format)));

        assertFields(line, operatorsOf(format), LogFormat.TEXT, r);
        assertEquals(FailureClass.NONE, r.failureClass());
        assertEquals(format.contains("%UPSTREAM_CLUSTER") ? Direction.OUTBOUND : Direction.UNKNOWN, r.direction());
    }

    @ParameterizedTest(name = "{0}: 503 UF,URX")
    @MethodSource("httpLayouts")
    void parsesConnectionFailureInEveryLayout(String name, String format) {
        EnvoyLine line = EnvoyLine.outboundOk()
                .set(CODE, "503").set(FLAGS, "UF,URX").set(UST, null).set(TX, "91")
                .set(DETAILS, "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
                .set(UTFR, "delayed_connect_error:_111").set(ULA, null);
        AccessLogRecord r = parsed(parser.parse(line.text(format)));

        assertFields(line, operatorsOf(format), LogFormat.TEXT, r);
        assertEquals("UF", r.failureClass());
        assertEquals(format.contains("%RESPONSE_CODE_DETAILS%") ? "connection_failure" : null, r.cause());
    }

    @ParameterizedTest(name = "{0}: TCP")
    @MethodSource("httpLayouts")
    void parsesTcpLineInEveryLayoutAfter1_0(String name, String format) {
        if (format.equals(ENVOY_DEFAULT) || format.equals(ISTIO_1_0_3)) return; // 1.0.x has a TCP format of its own
        EnvoyLine line = tcp();
        AccessLogRecord r = parsed(parser.parse(line.text(format)));

        assertFields(line, operatorsOf(format), LogFormat.TEXT, r);
        assertAll(
                () -> assertNull(r.method()),
                () -> assertNull(r.path()),
                () -> assertNull(r.protocol()),
                () -> assertEquals(0, r.responseCode()),
                () -> assertEquals(FailureClass.NONE, r.failureClass()));
    }

    @Test
    void parsesIstio10TcpFormat() {
        EnvoyLine line = tcp().set(FLAGS, "UF");
        AccessLogRecord r = parsed(parser.parse(line.text(ISTIO_1_0_TCP)));

        assertFields(line, operatorsOf(ISTIO_1_0_TCP), LogFormat.TEXT, r);
        // no code token in this format: 0, as Envoy prints for TCP and as later layouts read the same connection
        assertEquals(0, r.responseCode());
        assertEquals("UF", r.failureClass());
        assertEquals(Direction.OUTBOUND, r.direction());
    }

    private static EnvoyLine tcp() {
        return EnvoyLine.outboundOk()
                .set(METHOD, null).set(PATH, null).set(PROTOCOL, null).set(CODE, "0").set(DETAILS, null)
                .set(UST, null).set(UA, null).set(RID, null).set(AUTHORITY, null).set(ROUTE, null)
                .set(RX, "1204").set(TX, "5530").set(DURATION, "60011")
                .set(UPSTREAM_HOST, "10.244.2.8:3306").set(CLUSTER, "outbound|3306||mysql.db.svc.cluster.local")
                .set(DLA, "10.96.7.7:3306");
    }

    @Test
    void splitsProtocolOffTheGluedPathOfIstio103() {
        String line = "[2018-11-02T09:12:01.120Z] \"GET /HTTP/1.1\" 200 - 0 612 3 2 \"-\" \"curl/7.60.0\" "
                + "\"0a3e-11\" \"nginx.default.svc.cluster.local\" \"10.1.0.20:80\" "
                + "outbound|80||nginx.default.svc.cluster.local - 10.106.47.2:80 10.1.0.19:39310";
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("GET", r.method());
        assertEquals("/", r.path());
        assertSame("HTTP/1.1", r.protocol());

        AccessLogRecord h2 = parsed(parser.parse(line.replace("GET /HTTP/1.1", "POST /api/v1/ordersHTTP/2")));
        assertEquals("/api/v1/orders", h2.path());
        assertEquals("HTTP/2", h2.protocol());

        AccessLogRecord unset = parsed(parser.parse(line.replace("GET /HTTP/1.1", "- --")));
        assertNull(unset.method());
        assertNull(unset.path());
        assertNull(unset.protocol());
    }

    // ------------------------------------------------------------------ hand-written lines, one per situation

    @Test
    void readsEveryFieldOfA123Line() {
        String line = "[2025-03-14T08:01:02.345Z] \"POST /cart/checkout?id=9 HTTP/2\" 201 - via_upstream - \"-\" "
                + "733 98 42 40 \"-\" \"okhttp/4.12.0\" \"7d0c5e3c-1b2a-4a5e-9a43-6f3d1e2c7b10\" "
                + "\"cart.shop:8080\" \"10.244.3.21:8080\" outbound|8080||cart.shop.svc.cluster.local "
                + "10.244.1.4:52210 10.96.100.5:8080 10.244.1.4:40188 - default";
        AccessLogRecord r = parsed(parser.parse(line));
        assertAll(
                () -> assertEquals(LogFormat.TEXT, r.format()),
                () -> assertEquals(1741939262345L, r.startTimeMillis()),
                () -> assertEquals("2025-03-14T08:01:02.345Z", r.startTime()),
                () -> assertSame("POST", r.method()),
                () -> assertEquals("/cart/checkout?id=9", r.path()),
                () -> assertSame("HTTP/2", r.protocol()),
                () -> assertEquals(201, r.responseCode()),
                () -> assertEquals(List.of(), r.responseFlags()),
                () -> assertSame("via_upstream", r.responseCodeDetails()),
                () -> assertNull(r.connectionTerminationDetails()),
                () -> assertNull(r.upstreamTransportFailureReason()),
                () -> assertEquals(733, r.bytesReceived()),
                () -> assertEquals(98, r.bytesSent()),
                () -> assertEquals(42, r.durationMs()),
                () -> assertEquals(40L, r.upstreamServiceTimeMs()),
                () -> assertNull(r.xForwardedFor()),
                () -> assertEquals("okhttp/4.12.0", r.userAgent()),
                () -> assertEquals("7d0c5e3c-1b2a-4a5e-9a43-6f3d1e2c7b10", r.requestId()),
                () -> assertEquals("cart.shop:8080", r.authority()),
                () -> assertEquals("10.244.3.21:8080", r.upstreamHost()),
                () -> assertEquals("outbound|8080||cart.shop.svc.cluster.local", r.upstreamCluster()),
                () -> assertEquals("10.244.1.4:52210", r.upstreamLocalAddress()),
                () -> assertEquals("10.96.100.5:8080", r.downstreamLocalAddress()),
                () -> assertEquals("10.244.1.4:40188", r.downstreamRemoteAddress()),
                () -> assertNull(r.requestedServerName()),
                () -> assertSame("default", r.routeName()),
                () -> assertEquals(Direction.OUTBOUND, r.direction()),
                () -> assertEquals(FailureClass.NONE, r.failureClass()),
                () -> assertEquals("via_upstream", r.cause()),
                () -> assertNull(r.rbacPolicy()));
    }

    @Test
    void dropsTheTrailingSemicolonOfA123CustomClusterValue() {
        String line = a19("503", "UH", "no_healthy_upstream", "outbound|80||foo.ns.svc.cluster.local;", "default");
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("outbound|80||foo.ns.svc.cluster.local", r.upstreamCluster());
        assertEquals(Direction.OUTBOUND, r.direction());
        assertEquals("UH", r.failureClass());
    }

    @Test
    void readsAnIngressGatewayLineWithForwardedFor() {
        String line = "[2024-06-01T12:00:00.001Z] \"GET /productpage HTTP/1.1\" 200 - via_upstream - \"-\" 0 5290 "
                + "25 24 \"203.0.113.7, 10.0.0.3\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)\" "
                + "\"e0f1d2c3-0000-4000-8000-1234567890ab\" \"shop.example.com\" \"10.244.2.9:9080\" "
                + "outbound|9080||productpage.bookinfo.svc.cluster.local 10.244.0.12:36422 10.244.0.12:8080 "
                + "10.0.0.3:61002 shop.example.com bookinfo-vs.bookinfo.0";
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("203.0.113.7, 10.0.0.3", r.xForwardedFor());
        assertEquals("10.244.0.12:8080", r.downstreamLocalAddress());
        assertEquals("shop.example.com", r.requestedServerName());
        assertEquals("bookinfo-vs.bookinfo.0", r.routeName());
        assertEquals(Direction.OUTBOUND, r.direction());
    }

    @Test
    void readsAWaypointLineWithEnvoyInternalAddresses() {
        String line = "[2024-09-10T07:45:12.900Z] \"GET /ratings/0 HTTP/1.1\" 200 - via_upstream - \"-\" 0 48 6 5 "
                + "\"-\" \"Go-http-client/1.1\" \"1f2e3d4c-aaaa-bbbb-cccc-ddddeeeeffff\" \"ratings:9080\" "
                + "\"envoy://connect_originate/10.244.1.33:9080\" inbound-vip|9080|http|ratings.bookinfo.svc.cluster.local "
                + "envoy://internal_client_address/ envoy://connect_originate/10.96.8.8:9080 10.244.1.20:47230 - default";
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("envoy://connect_originate/10.244.1.33:9080", r.upstreamHost());
        assertEquals("envoy://internal_client_address/", r.upstreamLocalAddress());
        assertEquals("inbound-vip|9080|http|ratings.bookinfo.svc.cluster.local", r.upstreamCluster());
        assertEquals(Direction.INBOUND, r.direction());
    }

    @Test
    void readsIpv6Addresses() {
        String line = "[2024-02-02T02:02:02.002Z] \"GET /healthz HTTP/1.1\" 200 - via_upstream - \"-\" 0 2 1 1 \"-\" "
                + "\"kube-probe/1.29\" \"r-1\" \"[2001:db8::1]:8080\" \"[2001:db8::17]:8080\" inbound|8080|| "
                + "[2001:db8::6]:51000 [2001:db8::17]:8080 [2001:db8::99]:60000 - default";
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("[2001:db8::1]:8080", r.authority());
        assertEquals("[2001:db8::17]:8080", r.upstreamHost());
        assertEquals("[2001:db8::6]:51000", r.upstreamLocalAddress());
        assertEquals("[2001:db8::17]:8080", r.downstreamLocalAddress());
        assertEquals("[2001:db8::99]:60000", r.downstreamRemoteAddress());
        assertEquals(Direction.INBOUND, r.direction());
    }

    @Test
    void keepsFlagsInLineOrderAndClassifiesByPriority() {
        AccessLogRecord a = parsed(parser.parse(a19("503", "URX,UF", "upstream_reset_before_response_started"
                + "{remote_connection_failure|delayed_connect_error:_Connection_refused}", OUT, "default")));
        assertEquals(List.of("URX", "UF"), a.responseFlags());
        assertEquals("UF", a.failureClass());
        assertEquals("remote_connection_failure", a.cause());

        AccessLogRecord b = parsed(parser.parse(a19("503", "UF,URX", "upstream_reset_before_response_started"
                + "{connection_failure}", OUT, "default")));
        assertEquals(List.of("UF", "URX"), b.responseFlags());
        assertEquals("UF", b.failureClass());
    }

    @Test
    void acceptsUnknownAndLongFlagNames() {
        AccessLogRecord custom = parsed(parser.parse(a19("503", "XYZ", "-", OUT, "default")));
        assertEquals(List.of("XYZ"), custom.responseFlags());
        assertEquals("XYZ", custom.failureClass());

        AccessLogRecord longNames = parsed(parser.parse(a19("404", "NoRouteFound", "route_not_found", "-", "-")));
        assertEquals(List.of("NR"), longNames.responseFlags());
        assertEquals("NR", longNames.failureClass());
    }

    @Test
    void classifiesNoRouteAsOutboundAndFilterChainAsInbound() {
        AccessLogRecord nr = parsed(parser.parse(a19("404", "NR", "route_not_found", "-", "-")));
        assertNull(nr.upstreamCluster());
        assertNull(nr.routeName());
        assertEquals("NR", nr.failureClass());
        assertEquals(Direction.OUTBOUND, nr.direction());

        String fc = "[2024-01-01T00:00:00.000Z] \"- - -\" 0 NR filter_chain_not_found - \"-\" 0 0 0 - \"-\" \"-\" "
                + "\"-\" \"-\" \"-\" - - 10.244.1.9:8080 10.244.2.2:40000 - -";
        AccessLogRecord r = parsed(parser.parse(fc));
        assertEquals("NR", r.failureClass());
        assertEquals("filter_chain_not_found", r.cause());
        assertEquals(Direction.INBOUND, r.direction());
    }

    @Test
    void classifiesHttpAndTcpRbacDenials() {
        AccessLogRecord http = parsed(parser.parse(a19("403", "-",
                "rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]]",
                "inbound|9080||", "default")));
        assertEquals(FailureClass.RBAC, http.failureClass());
        assertEquals("rbac_access_denied", http.cause());
        assertEquals("istio-system/external-deny-developer-yahoo-com", http.rbacPolicy());
        assertEquals(Direction.INBOUND, http.direction());

        String tcp = "[2024-01-01T00:00:00.000Z] \"- - -\" 0 - - rbac_access_denied_matched_policy[none] \"-\" 0 0 1 - "
                + "\"-\" \"-\" \"-\" \"-\" \"10.244.1.9:3306\" inbound|3306|| 127.0.0.6:41111 10.244.1.9:3306 "
                + "10.244.2.2:40000 outbound_.3306_._.mysql.db.svc.cluster.local -";
        AccessLogRecord r = parsed(parser.parse(tcp));
        assertNull(r.responseCodeDetails());
        assertEquals("rbac_access_denied_matched_policy[none]", r.connectionTerminationDetails());
        assertEquals(FailureClass.RBAC, r.failureClass());
        assertEquals("rbac_access_denied", r.cause());
        assertNull(r.rbacPolicy());
        assertEquals(Direction.INBOUND, r.direction());

        // The network RBAC filter closes the connection before the TCP proxy picks a cluster: no cluster, no upstream;
        // the caller's mTLS SNI is what says this is the server's sidecar.
        String noCluster = "[2024-01-01T00:00:00.000Z] \"- - -\" 0 - - rbac_access_denied_matched_policy[none] \"-\" 0 0 1 "
                + "- \"-\" \"-\" \"-\" \"-\" \"-\" - - 10.244.1.9:3306 10.244.2.2:40000 "
                + "outbound_.3306_._.mysql.db.svc.cluster.local -";
        AccessLogRecord n = parsed(parser.parse(noCluster));
        assertNull(n.upstreamCluster());
        assertEquals(FailureClass.RBAC, n.failureClass());
        assertEquals(Direction.INBOUND, n.direction());
        // an application's own TLS host tells nothing
        AccessLogRecord own = parsed(parser.parse(noCluster.replace("outbound_.3306_._.mysql.db.svc.cluster.local",
                "db.example.com")));
        assertEquals(Direction.UNKNOWN, own.direction());
    }

    @Test
    void classifiesEgressBlocks() {
        AccessLogRecord http = parsed(parser.parse(a19("502", "-", "direct_response", "-", "block_all")));
        assertEquals(FailureClass.EGRESS_BLOCKED, http.failureClass());
        assertEquals("direct_response", http.cause());
        assertEquals(Direction.OUTBOUND, http.direction());

        String tcp = "[2024-01-01T00:00:00.000Z] \"- - -\" 0 UH - - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\" \"-\" "
                + "BlackHoleCluster - 93.184.216.34:443 10.244.1.4:51234 - -";
        AccessLogRecord r = parsed(parser.parse(tcp));
        assertEquals(FailureClass.EGRESS_BLOCKED, r.failureClass());
        assertEquals(Direction.OUTBOUND, r.direction());
    }

    @Test
    void readsOldEnvoyLocalResetDetailsWithASpace() {
        String line = a19("503", "LR", "upstream_reset_before_response_started{local reset}", OUT, "default");
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("upstream_reset_before_response_started{local reset}", r.responseCodeDetails());
        assertEquals("local_reset", r.cause());
        assertEquals("LR", r.failureClass());
        assertEquals("default", r.routeName());
    }

    @Test
    void ignoresExtraTrailingFields() {
        String line = a19("200", "-", "via_upstream", OUT, "default") + " \"b3-trace-0af7651916cd43dd\" 17 extra";
        AccessLogRecord r = parsed(parser.parse(line));
        assertEquals("default", r.routeName());
        assertEquals(OUT, r.upstreamCluster());
    }

    @Test
    void toleratesLineEndingsAndStartTimeVariants() {
        AccessLogRecord crlf = parsed(parser.parse(a19("200", "-", "via_upstream", OUT, "default") + "\r\n"));
        assertEquals("default", crlf.routeName());

        String base = a19("200", "-", "via_upstream", OUT, "default");
        AccessLogRecord micros = parsed(parser.parse(base.replace("2024-05-02T10:12:33.456Z", "2024-05-02T10:12:33.456789+00:00")));
        assertEquals(1714644753456L, micros.startTimeMillis());
        assertEquals("2024-05-02T10:12:33.456789+00:00", micros.startTime());
        AccessLogRecord whole = parsed(parser.parse(base.replace("2024-05-02T10:12:33.456Z", "2024-05-02T12:12:33+02:00")));
        assertEquals(1714644753000L, whole.startTimeMillis());
        AccessLogRecord tenths = parsed(parser.parse(base.replace("2024-05-02T10:12:33.456Z", "2024-05-02T10:12:33.4Z")));
        assertEquals(1714644753400L, tenths.startTimeMillis());
    }

    @Test
    void recoversUserAgentsAndPathsThatContainQuotes() {
        String ok = a19("200", "-", "via_upstream", OUT, "default");
        AccessLogRecord inner = parsed(parser.parse(ok.replace("\"curl/8.5.0\"", "\"Mozilla/5.0 \"quoted\" thing\"")));
        assertEquals("Mozilla/5.0 \"quoted\" thing", inner.userAgent());
        assertEquals("r-1", inner.requestId());

        AccessLogRecord spaced = parsed(parser.parse(ok.replace("\"curl/8.5.0\"", "\"evil\" \"agent\"")));
        assertEquals("evil\" \"agent", spaced.userAgent());
        assertEquals("r-1", spaced.requestId());
        assertEquals("reviews:9080", spaced.authority());

        AccessLogRecord path = parsed(parser.parse(ok.replace("GET /x HTTP/1.1", "GET /search?q=\"a\" b HTTP/1.1")));
        assertEquals("/search?q=\"a\" b", path.path());
        assertEquals(200, path.responseCode());
    }

    @Test
    void recoversQuotesInTheClientsOtherHeaders() {
        // Envoy prints X-Forwarded-For, x-request-id and :authority as the client sent them, quotes included
        String ok = a19("200", "-", "via_upstream", OUT, "default");
        AccessLogRecord xff = parsed(parser.parse(ok.replace("\"-\" \"curl/8.5.0\"", "\"1.2.3.4, \"evil\"\" \"curl/8.5.0\"")));
        assertEquals("1.2.3.4, \"evil\"", xff.xForwardedFor());
        assertEquals("curl/8.5.0", xff.userAgent());
        assertEquals("reviews:9080", xff.authority());

        AccessLogRecord rid = parsed(parser.parse(ok.replace("\"r-1\"", "\"r-\"1\"")));
        assertEquals("r-\"1", rid.requestId());
        assertEquals("reviews:9080", rid.authority());

        String scan = a19("404", "NR", "route_not_found", "-", "-")
                .replace("\"reviews:9080\"", "\"\\\"><script>alert(1)</script>\"");
        AccessLogRecord auth = parsed(parser.parse(scan));
        assertEquals("\\\"><script>alert(1)</script>", auth.authority());
        assertEquals("NR", auth.failureClass());
        assertEquals("10.244.1.17:9080", auth.upstreamHost());

        // a quote the upstream host (set by Envoy, never by the client) cannot hold: still rejected
        assertTrue(rejected(parser.parse(ok.replace("\"10.244.1.17:9080\"", "\"10.244.\"1.17:9080\""))).length() > 0);
    }

    @Test
    void rejectsQuotingThatCanBeSplitSeveralWays() {
        String ok = a19("200", "-", "via_upstream", OUT, "default");
        // the user agent swallows what look like three more quoted values and a cluster: no way to tell
        String tricky = ok.replace("\"curl/8.5.0\"",
                "\"a\" \"b\" \"c\" \"d\" outbound|1||x 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - default \"z\"");
        String reason = rejected(parser.parse(tricky));
        assertTrue(reason.startsWith("ambiguous quotes"), reason);
    }

    static final String OUT = "outbound|9080||reviews.shop.svc.cluster.local";

    /** A 1.9+ line with the given code, flags, details, cluster and route; other values fixed. */
    static String a19(String code, String flags, String details, String cluster, String route) {
        return "[2024-05-02T10:12:33.456Z] \"GET /x HTTP/1.1\" " + code + " " + flags + " " + details + " - \"-\" "
                + "0 91 3 - \"-\" \"curl/8.5.0\" \"r-1\" \"reviews:9080\" \"10.244.1.17:9080\" " + cluster
                + " 10.244.0.9:48822 10.96.44.12:9080 10.244.0.9:51234 - " + route;
    }
}
