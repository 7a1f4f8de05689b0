package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks every contract field of a parsed record against the values an {@link EnvoyLine} was rendered from. */
final class RecordAssertions {

    private static final Pattern OPERATOR = Pattern.compile("%[A-Z_]+(\\([^)]*\\))?%");

    private RecordAssertions() {}

    static AccessLogRecord parsed(ParseResult result) {
        ParseResult.Parsed p = assertInstanceOf(ParseResult.Parsed.class, result, () -> "got " + result);
        return p.record();
    }

    static String rejected(ParseResult result) {
        ParseResult.Rejected r = assertInstanceOf(ParseResult.Rejected.class, result, () -> "got " + result);
        return r.reason();
    }

    static Set<String> operatorsOf(String textFormat) {
        Set<String> ops = new HashSet<>();
        Matcher m = OPERATOR.matcher(textFormat);
        while (m.find()) ops.add(m.group().equals(CLUSTER_RAW) ? CLUSTER : m.group());
        return ops;
    }

    static Set<String> operatorsOf(String[][] jsonKeys) {
        Set<String> ops = new HashSet<>();
        for (String[] kv : jsonKeys) ops.add(kv[1].equals(CLUSTER_RAW) ? CLUSTER : kv[1]);
        return ops;
    }

    /** Asserts the record's raw fields equal the line's values for the operators the format prints. */
    static void assertFields(EnvoyLine line, Set<String> present, LogFormat format, AccessLogRecord r) {
        String cluster = str(line, present, CLUSTER);
        if (cluster != null && cluster.endsWith(";")) cluster = cluster.substring(0, cluster.length() - 1);
        String flags = str(line, present, FLAGS);
        String ts = line.get(START_TIME);
        String ust = str(line, present, UST);
        String expectedCluster = cluster;
        assertAll(
                () -> assertEquals(format, r.format(), "format"),
                () -> assertEquals(ts, r.startTime(), "startTime"),
                () -> assertEquals(Instant.parse(ts).toEpochMilli(), r.startTimeMillis(), "startTimeMillis"),
                () -> assertEquals(str(line, present, METHOD), r.method(), "method"),
                () -> assertEquals(str(line, present, PATH), r.path(), "path"),
                () -> assertEquals(str(line, present, PROTOCOL), r.protocol(), "protocol"),
                // a layout without a code token (1.0's TCP format) reads as Envoy's TCP code 0
                () -> assertEquals(present.contains(CODE) ? num(line, present, CODE) : 0, r.responseCode(),
                        "responseCode"),
                () -> assertEquals(flags == null ? List.of() : Arrays.asList(flags.split(",")),
                        r.responseFlags(), "responseFlags"),
                () -> assertEquals(str(line, present, DETAILS), r.responseCodeDetails(), "responseCodeDetails"),
                () -> assertEquals(str(line, present, TERM), r.connectionTerminationDetails(), "termination"),
                () -> assertEquals(str(line, present, UTFR), r.upstreamTransportFailureReason(), "utfr"),
                () -> assertEquals(num(line, present, RX), r.bytesReceived(), "bytesReceived"),
                () -> assertEquals(num(line, present, TX), r.bytesSent(), "bytesSent"),
                () -> assertEquals(num(line, present, DURATION), r.durationMs(), "durationMs"),
                () -> assertEquals(ust == null ? null : Long.valueOf(ust), r.upstreamServiceTimeMs(), "ust"),
                () -> assertEquals(str(line, present, XFF), r.xForwardedFor(), "xForwardedFor"),
                () -> assertEquals(str(line, present, UA), r.userAgent(), "userAgent"),
                () -> assertEquals(str(line, present, RID), r.requestId(), "requestId"),
                () -> assertEquals(str(line, present, AUTHORITY), r.authority(), "authority"),
                () -> assertEquals(str(line, present, UPSTREAM_HOST), r.upstreamHost(), "upstreamHost"),
                () -> assertEquals(expectedCluster, r.upstreamCluster(), "upstreamCluster"),
                () -> assertEquals(str(line, present, ULA), r.upstreamLocalAddress(), "upstreamLocalAddress"),
                () -> assertEquals(str(line, present, DLA), r.downstreamLocalAddress(), "downstreamLocalAddress"),
                () -> assertEquals(str(line, present, DRA), r.downstreamRemoteAddress(), "downstreamRemoteAddress"),
                () -> assertEquals(str(line, present, SNI), r.requestedServerName(), "requestedServerName"),
                () -> assertEquals(str(line, present, ROUTE), r.routeName(), "routeName"));
    }

    private static String str(EnvoyLine line, Set<String> present, String op) {
        if (!present.contains(op)) return null;
        String v = line.get(op);
        return v == null || v.equals("-") ? null : v;
    }

    private static long num(EnvoyLine line, Set<String> present, String op) {
        String v = str(line, present, op);
        return v == null ? -1 : Long.parseLong(v);
    }
}
