package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.RecordAssertions.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccessLogParserRejectTest {

    private static final String LINE_19 = AccessLogParserTextTest.a19("200", "-", "via_upstream",
            AccessLogParserTextTest.OUT, "default");

    static Stream<Arguments> lines() {
        return Stream.of(
                Arguments.of("", "empty line"),
                Arguments.of("   \t \r\n", "empty line"),
                Arguments.of(null, "empty line"),
                Arguments.of("2024-05-02T10:12:33.456789Z\tinfo\txdsproxy\tconnected to upstream XDS server: "
                        + "istiod.aks-istio-system.svc:15012", "istio-agent log (info)"),
                Arguments.of("2024-05-02T10:12:33.456789Z\twarn\tsds\tfailed to warm certificate", "istio-agent log (warn)"),
                Arguments.of("2024-05-02T10:12:33.456789Z\terror\tcitadelclient\tfailed to sign CSR", "istio-agent log (error)"),
                Arguments.of("2024-05-02T10:12:33.456789Z\tdebug\tads\tpush", "istio-agent log (debug)"),
                Arguments.of("2024-05-02T10:12:33.456789Z\twarning\tenvoy config external/envoy/source/extensions/"
                        + "config_subscription/grpc/grpc_stream.h:191\tStreamAggregatedResources gRPC config stream "
                        + "to xds-grpc closed: 13, \tthread=21", "envoy proxy log (warning)"),
                Arguments.of("[2024-05-02 10:12:33.456][21][warning][config] [external/envoy/source/extensions/"
                        + "config_subscription/grpc/grpc_stream.h:191] StreamAggregatedResources gRPC config stream "
                        + "to xds-grpc closed", "envoy proxy log (warning)"),
                Arguments.of("[2019-03-01 10:00:00.000][14][info][main] [external/envoy/source/server/server.cc:516] "
                        + "starting main dispatch loop", "envoy proxy log (info)"),
                // Istio up to 1.4: pilot-agent's prefix on Envoy's lines
                Arguments.of("[Envoy (Epoch 0)] [2020-01-13 10:00:00.000][21][debug][rbac] [external/envoy/source/"
                        + "extensions/filters/http/rbac/rbac_filter.cc:68] checking request", "envoy proxy log (debug)"),
                Arguments.of("[Envoy (Epoch 1)] something else", "envoy proxy log"),
                // Envoy's pattern with an ISO time (a custom --log-format): still the proxy's log, not a cut access log
                Arguments.of("[2024-05-01T10:00:03.456Z][21][warning][config] [source/extensions/config_subscription/"
                        + "grpc/grpc_stream.h:191] StreamAggregatedResources gRPC config stream closed",
                        "envoy proxy log (warning)"),
                Arguments.of("[1714557603.456][21][debug][rbac] checking request", "envoy proxy log (debug)"),
                // the same brackets without an Envoy level are left to the access-log parser's own reason
                Arguments.of("[2024-05-01T10:00:03.456Z][21][loud][config] x", "truncated access log: 3 of 10 fields"),
                Arguments.of(cut(LINE_19, 14), "truncated access log: 14 of 22 fields"),
                Arguments.of(LINE_19.substring(0, LINE_19.indexOf("curl") + 2), "truncated access log: 12 of 22 fields"),
                Arguments.of("[2024-05-02T10:12:33.456Z] \"GET / HTTP/1.1\"", "truncated access log: 2 fields"),
                Arguments.of(LINE_19.replace("\" 200 -", "\" 2x0 -"), "response code is not a number: '2x0'"),
                Arguments.of(LINE_19.replace("2024-05-02T10:12:33.456Z", "2024-13-02T10:12:33.456Z"),
                        "bad start time: '2024-13-02T10:12:33.456Z'"),
                Arguments.of(LINE_19.replace(" 0 91 3 ", " 0 lots 3 "), "bad bytes_sent: 'lots'"),
                Arguments.of("\u0000\u0001\u0002garbage\u00ff\u00fe", "not an access log: binary data"),
                Arguments.of("hello world", "not an access log: 'hello world'"),
                Arguments.of("2024-05-02T10:12:33.456Z [2024-05-02T10:12:33.456Z] \"GET / HTTP/1.1\" 200",
                        "not an access log: line starts with a timestamp (runtime envelope not removed?)"),
                Arguments.of("[1,2,3]", "bad start time: '1,2,3'"),
                Arguments.of("{\"level\":\"error\",\"time\":\"2024-05-02T10:12:33Z\",\"scope\":\"envoy main\",\"msg\":\"x\"}",
                        "envoy proxy log (error)"));
    }

    private static String cut(String line, int tokens) {
        // keep the first `tokens` tokens of a line whose quoted values hold no spaces except the request
        int seen = 0;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            if (c == ' ' && !quoted && ++seen == tokens) return line.substring(0, i);
        }
        return line;
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("lines")
    void rejectsWithASpecificReason(String line, String reason) {
        assertEquals(reason, rejected(new AccessLogParser().parse(line)));
    }
}
