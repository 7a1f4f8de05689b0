package io.meshpulse.sim;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Writes access-log entries in Istio's 1.23+ default TEXT layout and in the typed-era (1.8+) default JSON
 * encoding, and the timestamps of the CRI log format. Independent of the meshpulse parser on purpose.
 *
 * <p>Not thread-safe (caches the date part of the last second formatted).
 */
final class LineFormat {

    /** Keys of Istio's default JSON encoding (EnvoyJSONLogFormatIstio, 1.9+). */
    static final String[] JSON_KEYS = {
        "start_time", "route_name", "method", "path", "protocol", "response_code", "response_flags",
        "response_code_details", "connection_termination_details", "bytes_received", "bytes_sent", "duration",
        "upstream_service_time", "x_forwarded_for", "user_agent", "request_id", "authority", "upstream_host",
        "upstream_cluster", "upstream_local_address", "downstream_local_address", "downstream_remote_address",
        "requested_server_name", "upstream_transport_failure_reason"
    };

    private final SecondCache startCache = new SecondCache();
    private final SecondCache writeCache = new SecondCache();

    /** One cached "yyyy-MM-ddTHH:mm:ss" per epoch second. */
    private static final class SecondCache {
        long second = Long.MIN_VALUE;
        String text;

        String get(long epochSecond) {
            if (epochSecond != second) {
                LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
                StringBuilder sb = new StringBuilder(19);
                pad(sb, t.getYear(), 4).append('-');
                pad(sb, t.getMonthValue(), 2).append('-');
                pad(sb, t.getDayOfMonth(), 2).append('T');
                pad(sb, t.getHour(), 2).append(':');
                pad(sb, t.getMinute(), 2).append(':');
                pad(sb, t.getSecond(), 2);
                text = sb.toString();
                second = epochSecond;
            }
            return text;
        }
    }

    static StringBuilder pad(StringBuilder sb, long v, int width) {
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) digits++;
        for (int i = digits; i < width; i++) sb.append('0');
        return sb.append(v);
    }

    /** %START_TIME% default: UTC with milliseconds, {@code 2025-03-01T10:00:00.123Z}. */
    void appendStartTime(StringBuilder sb, long epochMillis) {
        sb.append(startCache.get(Math.floorDiv(epochMillis, 1000))).append('.');
        pad(sb, Math.floorMod(epochMillis, 1000), 3).append('Z');
    }

    /** Go's RFC3339Nano: fraction with trailing zeros trimmed (none at all when zero), then {@code Z}. */
    void appendCriTime(StringBuilder sb, long epochNanos) {
        long sec = Math.floorDiv(epochNanos, 1_000_000_000L);
        long nano = Math.floorMod(epochNanos, 1_000_000_000L);
        sb.append(writeCache.get(sec));
        if (nano != 0) {
            int width = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                width--;
            }
            sb.append('.');
            pad(sb, nano, width);
        }
        sb.append('Z');
    }

    /** istio-agent / Envoy (Istio log format) timestamp: microseconds, {@code 2025-03-01T10:00:00.123456Z}. */
    void appendMicrosTime(StringBuilder sb, long epochNanos) {
        long sec = Math.floorDiv(epochNanos, 1_000_000_000L);
        long micros = Math.floorMod(epochNanos, 1_000_000_000L) / 1000;
        sb.append(writeCache.get(sec)).append('.');
        pad(sb, micros, 6).append('Z');
    }

    /** kubelet rotation suffix {@code 20060102-150405} (UTC). */
    static String rotationSuffix(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(15);
        pad(sb, t.getYear(), 4);
        pad(sb, t.getMonthValue(), 2);
        pad(sb, t.getDayOfMonth(), 2).append('-');
        pad(sb, t.getHour(), 2);
        pad(sb, t.getMinute(), 2);
        pad(sb, t.getSecond(), 2);
        return sb.toString();
    }

    private static StringBuilder dash(StringBuilder sb, String v) {
        return sb.append(v == null || v.isEmpty() ? "-" : v);
    }

    /**
     * The Istio 1.23+ default TEXT format (no trailing newline):
     * <pre>[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
     * %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
     * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
     * "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW%
     * %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%
     * %ROUTE_NAME%</pre>
     */
    void appendText(StringBuilder sb, AccessLine l) {
        sb.append('[');
        appendStartTime(sb, l.startMillis);
        sb.append("] \"");
        if (l.isTcp()) {
            sb.append("- - -");
        } else {
            dash(sb, l.method).append(' ');
            dash(sb, l.path).append(' ');
            dash(sb, l.protocol);
        }
        sb.append("\" ").append(l.code).append(' ');
        dash(sb, l.flags).append(' ');
        dash(sb, l.details).append(' ');
        dash(sb, l.termination).append(" \"");
        dash(sb, l.transportFailure).append("\" ");
        sb.append(l.bytesReceived).append(' ').append(l.bytesSent).append(' ').append(l.durationMillis).append(' ');
        if (l.upstreamServiceTime < 0) sb.append('-');
        else sb.append(l.upstreamServiceTime);
        sb.append(" \"");
        dash(sb, l.xff).append("\" \"");
        dash(sb, l.userAgent).append("\" \"");
        dash(sb, l.requestId).append("\" \"");
        dash(sb, l.authority).append("\" \"");
        dash(sb, l.upstreamHost).append("\" ");
        dash(sb, l.cluster).append(' ');
        dash(sb, l.upstreamLocal).append(' ');
        dash(sb, l.downstreamLocal).append(' ');
        dash(sb, l.downstreamRemote).append(' ');
        dash(sb, l.sni).append(' ');
        dash(sb, l.route);
    }

    /**
     * Istio's default JSON encoding as a ≥1.8 proxy writes it ({@code json_format}: typed values): numbers for
     * code, bytes and duration; null for unset values; {@code "-"} for no flags; upstream_service_time a string.
     * Keys come in {@code keyOrder} (a permutation of {@link #JSON_KEYS}).
     */
    void appendJson(StringBuilder sb, AccessLine l, int[] keyOrder) {
        sb.append('{');
        for (int i = 0; i < keyOrder.length; i++) {
            if (i > 0) sb.append(',');
            int k = keyOrder[i];
            sb.append('"').append(JSON_KEYS[k]).append("\":");
            switch (k) {
                case 0 -> {
                    sb.append('"');
                    appendStartTime(sb, l.startMillis);
                    sb.append('"');
                }
                case 1 -> str(sb, l.route);
                case 2 -> str(sb, l.method);
                case 3 -> str(sb, l.path);
                case 4 -> str(sb, l.protocol);
                case 5 -> sb.append(l.code);
                case 6 -> str(sb, l.flags == null ? "-" : l.flags);
                case 7 -> str(sb, l.details);
                case 8 -> str(sb, l.termination);
                case 9 -> sb.append(l.bytesReceived);
                case 10 -> sb.append(l.bytesSent);
                case 11 -> sb.append(l.durationMillis);
                case 12 -> str(sb, l.upstreamServiceTime < 0 ? null : Long.toString(l.upstreamServiceTime));
                case 13 -> str(sb, l.xff);
                case 14 -> str(sb, l.userAgent);
                case 15 -> str(sb, l.requestId);
                case 16 -> str(sb, l.authority);
                case 17 -> str(sb, l.upstreamHost);
                case 18 -> str(sb, l.cluster);
                case 19 -> str(sb, l.upstreamLocal);
                case 20 -> str(sb, l.downstreamLocal);
                case 21 -> str(sb, l.downstreamRemote);
                case 22 -> str(sb, l.sni);
                case 23 -> str(sb, l.transportFailure);
                default -> throw new IllegalStateException();
            }
        }
        sb.append('}');
    }

    private static void str(StringBuilder sb, String v) {
        if (v == null || v.isEmpty()) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00");
                        sb.append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
