package io.meshpulse.topology.parse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-data builder: the values of one request, rendered the way Envoy would through one of Istio's default
 * access-log formats (copied from FORMATS.md). Unset values print {@code -} in text, {@code null} (typed JSON)
 * or {@code "-"} (string-era JSON).
 */
final class EnvoyLine {

    static final String START_TIME = "%START_TIME%";
    static final String METHOD = "%REQ(:METHOD)%";
    static final String PATH = "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%";
    static final String PROTOCOL = "%PROTOCOL%";
    static final String CODE = "%RESPONSE_CODE%";
    static final String FLAGS = "%RESPONSE_FLAGS%";
    static final String DETAILS = "%RESPONSE_CODE_DETAILS%";
    static final String TERM = "%CONNECTION_TERMINATION_DETAILS%";
    static final String MIXER = "%DYNAMIC_METADATA(istio.mixer:status)%";
    static final String UTFR = "%UPSTREAM_TRANSPORT_FAILURE_REASON%";
    static final String RX = "%BYTES_RECEIVED%";
    static final String TX = "%BYTES_SENT%";
    static final String DURATION = "%DURATION%";
    static final String UST = "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%";
    static final String XFF = "%REQ(X-FORWARDED-FOR)%";
    static final String UA = "%REQ(USER-AGENT)%";
    static final String RID = "%REQ(X-REQUEST-ID)%";
    static final String AUTHORITY = "%REQ(:AUTHORITY)%";
    static final String UPSTREAM_HOST = "%UPSTREAM_HOST%";
    static final String CLUSTER = "%UPSTREAM_CLUSTER%";
    static final String CLUSTER_RAW = "%UPSTREAM_CLUSTER_RAW%";
    static final String ULA = "%UPSTREAM_LOCAL_ADDRESS%";
    static final String DLA = "%DOWNSTREAM_LOCAL_ADDRESS%";
    static final String DRA = "%DOWNSTREAM_REMOTE_ADDRESS%";
    static final String SNI = "%REQUESTED_SERVER_NAME%";
    static final String ROUTE = "%ROUTE_NAME%";

    // ---- Istio's default TEXT formats (FORMATS.md section a), without the trailing \n
    static final String ENVOY_DEFAULT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"";
    static final String ISTIO_1_0_3 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%";
    static final String ISTIO_1_0_TCP = "[%START_TIME%] %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%";
    static final String ISTIO_1_1_SNAPSHOT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%";
    static final String ISTIO_1_1 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% \"%DYNAMIC_METADATA(istio.mixer:status)%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%";
    static final String ISTIO_1_2 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% \"%DYNAMIC_METADATA(istio.mixer:status)%\" \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%";
    static final String ISTIO_1_3 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% \"%DYNAMIC_METADATA(istio.mixer:status)%\" \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%";
    static final String ISTIO_1_8 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%";
    static final String ISTIO_1_9 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%";
    static final String ISTIO_1_23 = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%";

    // ---- Istio's default JSON key sets (FORMATS.md section b)
    static final String[][] JSON_1_1 = {
        {"start_time", START_TIME}, {"method", START_TIME}, {"path", PATH}, {"protocol", PROTOCOL},
        {"response_code", CODE}, {"response_flags", FLAGS}, {"bytes_received", RX}, {"bytes_sent", TX},
        {"duration", DURATION}, {"upstream_service_time", UST}, {"x_forwarded_for", XFF}, {"user_agent", UA},
        {"request_id", RID}, {"authority", AUTHORITY}, {"upstream_host", UPSTREAM_HOST},
        {"upstream_cluster", CLUSTER}, {"upstream_local_address", ULA}, {"downstream_local_address", DLA},
        {"downstream_remote_address", DRA}, {"requested_server_name", SNI}, {"istio_policy_status", MIXER},
    };
    static final String[][] JSON_1_3 = {
        {"start_time", START_TIME}, {"route_name", ROUTE}, {"method", METHOD}, {"path", PATH},
        {"protocol", PROTOCOL}, {"response_code", CODE}, {"response_flags", FLAGS}, {"bytes_received", RX},
        {"bytes_sent", TX}, {"duration", DURATION}, {"upstream_service_time", UST}, {"x_forwarded_for", XFF},
        {"user_agent", UA}, {"request_id", RID}, {"authority", AUTHORITY}, {"upstream_host", UPSTREAM_HOST},
        {"upstream_cluster", CLUSTER}, {"upstream_local_address", ULA}, {"downstream_local_address", DLA},
        {"downstream_remote_address", DRA}, {"requested_server_name", SNI}, {"istio_policy_status", MIXER},
        {"upstream_transport_failure_reason", UTFR},
    };
    static final String[][] JSON_HEAD = {
        {"start_time", START_TIME}, {"route_name", ROUTE}, {"method", METHOD}, {"path", PATH},
        {"protocol", PROTOCOL}, {"response_code", CODE}, {"response_flags", FLAGS},
        {"response_code_details", DETAILS}, {"connection_termination_details", TERM}, {"bytes_received", RX},
        {"bytes_sent", TX}, {"duration", DURATION}, {"upstream_service_time", UST}, {"x_forwarded_for", XFF},
        {"user_agent", UA}, {"request_id", RID}, {"authority", AUTHORITY}, {"upstream_host", UPSTREAM_HOST},
        {"upstream_cluster", CLUSTER_RAW}, {"upstream_local_address", ULA}, {"downstream_local_address", DLA},
        {"downstream_remote_address", DRA}, {"requested_server_name", SNI},
        {"upstream_transport_failure_reason", UTFR},
    };

    private static final Set<String> NUMERIC = Set.of(CODE, RX, TX, DURATION);
    private static final Pattern OPERATOR = Pattern.compile("%[A-Z_]+(\\([^)]*\\))?%");

    private final Map<String, String> values = new LinkedHashMap<>();

    /** A successful sidecar-outbound HTTP call; unset values are null. */
    static EnvoyLine outboundOk() {
        return new EnvoyLine()
                .set(START_TIME, "2024-05-02T10:12:33.456Z")
                .set(METHOD, "GET").set(PATH, "/api/v1/reviews/7").set(PROTOCOL, "HTTP/1.1")
                .set(CODE, "200").set(FLAGS, "-").set(DETAILS, "via_upstream").set(TERM, null)
                .set(MIXER, null).set(UTFR, null)
                .set(RX, "0").set(TX, "1432").set(DURATION, "17").set(UST, "15")
                .set(XFF, null).set(UA, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
                .set(RID, "5c1b2a8e-8d1e-9a3f-b5c2-7e0f4d9c1a23").set(AUTHORITY, "reviews.shop:9080")
                .set(UPSTREAM_HOST, "10.244.1.17:9080")
                .set(CLUSTER, "outbound|9080||reviews.shop.svc.cluster.local")
                .set(ULA, "10.244.0.9:48822").set(DLA, "10.96.44.12:9080").set(DRA, "10.244.0.9:51234")
                .set(SNI, null).set(ROUTE, "default");
    }

    EnvoyLine set(String operator, String value) {
        values.put(operator, value);
        if (operator.equals(CLUSTER)) values.put(CLUSTER_RAW, value);
        return this;
    }

    String get(String operator) {
        return values.get(operator);
    }

    /** The line Envoy would print with this text format. */
    String text(String format) {
        Matcher m = OPERATOR.matcher(format);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "-" : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Typed-era JSON (Istio 1.8+): numbers for codes/bytes/duration, null when unset, flags "-" when none. */
    String typedJson(String[][] keys) {
        StringBuilder sb = new StringBuilder("{");
        for (String[] kv : keys) {
            if (sb.length() > 1) sb.append(',');
            String v = values.get(kv[1]);
            if (kv[1].equals(FLAGS) && v == null) v = "-";
            sb.append('"').append(kv[0]).append("\":");
            if (v == null) {
                sb.append("null");
            } else if (NUMERIC.contains(kv[1])) {
                sb.append(v);
            } else {
                sb.append('"').append(escape(v)).append('"');
            }
        }
        return sb.append('}').toString();
    }

    /** String-era JSON (Istio up to 1.7): every value a string, unset "-". */
    String stringJson(String[][] keys) {
        StringBuilder sb = new StringBuilder("{");
        for (String[] kv : keys) {
            if (sb.length() > 1) sb.append(',');
            String v = values.get(kv[1]);
            sb.append('"').append(kv[0]).append("\":\"").append(v == null ? "-" : escape(v)).append('"');
        }
        return sb.append('}').toString();
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
