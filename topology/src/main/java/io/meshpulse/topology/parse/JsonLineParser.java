package io.meshpulse.topology.parse;

import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.TokenCache.ClusterInfo;
import io.meshpulse.topology.parse.TokenCache.Details;
import io.meshpulse.topology.parse.TokenCache.FlagSet;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses one JSON access-log line (Istio's {@code accessLogEncoding: JSON}) from its UTF-8 bytes into a
 * {@link RecordDraft}.
 *
 * <p>A single forward scan over a flat object: keys are matched against the known Istio keys by length and
 * characters, values are read as strings, numbers, literals, or skipped when nested. Both encodings are taken:
 * the string era (Istio ≤1.7: every value a string, unset {@code "-"}) and the typed era (1.8+: numbers, unset
 * {@code null}, {@code upstream_service_time} still a string). Key order does not matter; unknown keys are
 * ignored. Keys are compared as bytes and values become Strings only for the fields a record keeps (clusters,
 * details and flags through the {@link TokenCache}). Strings with escapes are decoded, then unescaped as chars, exactly as before.
 * Offsets in error messages count chars of the decoded line, as they did when the parser read Strings.
 *
 * <p>Not thread-safe; owned by one {@link AccessLogParser}.
 */
final class JsonLineParser {

    private static final String[] KEYS = {
        "start_time", "route_name", "method", "path", "protocol", "response_code", "response_flags",
        "response_code_details", "connection_termination_details", "bytes_received", "bytes_sent", "duration",
        "upstream_service_time", "x_forwarded_for", "user_agent", "request_id", "authority", "upstream_host",
        "upstream_cluster", "upstream_local_address", "downstream_local_address", "downstream_remote_address",
        "requested_server_name", "upstream_transport_failure_reason", "level", "scope", "msg", "log", "stream",
        "time",
    };
    private static final int START_TIME = 0;
    private static final int ROUTE_NAME = 1;
    private static final int METHOD = 2;
    private static final int PATH = 3;
    private static final int PROTOCOL = 4;
    private static final int RESPONSE_CODE = 5;
    private static final int RESPONSE_FLAGS = 6;
    private static final int DETAILS = 7;
    private static final int TERM_DETAILS = 8;
    private static final int BYTES_RECEIVED = 9;
    private static final int BYTES_SENT = 10;
    private static final int DURATION = 11;
    private static final int UPSTREAM_SERVICE_TIME = 12;
    private static final int XFF = 13;
    private static final int USER_AGENT = 14;
    private static final int REQUEST_ID = 15;
    private static final int AUTHORITY = 16;
    private static final int UPSTREAM_HOST = 17;
    private static final int UPSTREAM_CLUSTER = 18;
    private static final int UPSTREAM_LOCAL = 19;
    private static final int DOWNSTREAM_LOCAL = 20;
    private static final int DOWNSTREAM_REMOTE = 21;
    private static final int SNI = 22;
    private static final int UTFR = 23;
    private static final int LEVEL = 24;
    private static final int SCOPE = 25;
    private static final int MSG = 26;
    private static final int LOG = 27;
    private static final int STREAM = 28;
    private static final int TIME = 29;

    /** Key ids bucketed by key length, so a lookup compares against two or three candidates at most. */
    private static final int[][] BY_LENGTH = new int[40][];
    private static final byte[][] KEY_BYTES = new byte[KEYS.length][];

    static {
        for (int id = 0; id < KEYS.length; id++) {
            KEY_BYTES[id] = KEYS[id].getBytes(StandardCharsets.US_ASCII);
            int len = KEYS[id].length();
            int[] old = BY_LENGTH[len];
            int[] grown = old == null ? new int[1] : java.util.Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = id;
            BY_LENGTH[len] = grown;
        }
    }

    private final TokenCache cache;
    private final RecordDraft draft;
    private final Rfc3339Bytes times;
    private final StringBuilder unescaped = new StringBuilder(128);

    private byte[] src;
    /** Where the line starts in {@link #src} (before trimming): offsets in messages count from here. */
    private int base;
    private int n;
    /** Position of the next backslash at or after the scan point, or {@code n}; escapes are rare. */
    private int nextEscape;
    private int p;
    private String error;

    // what was seen, for telling access logs from other JSON
    private boolean sawCode;
    private boolean sawLog;
    private boolean sawStream;
    private boolean sawTime;
    private String level;
    private String scope;
    private String badField;

    // last value read
    private int vKind;
    private int vStart;
    private int vEnd;
    private String vString;
    /** The current value was the empty string (read as null). */
    private boolean vEmpty;

    private static final int V_STRING = 1;
    private static final int V_NUMBER = 2;
    private static final int V_NULL = 3;
    private static final int V_OTHER = 4;

    JsonLineParser(TokenCache cache, RecordDraft draft, Rfc3339Bytes times) {
        this.cache = cache;
        this.draft = draft;
        this.times = times;
    }

    /**
     * Fills the draft and returns null, or returns the rejection reason. The line is {@code line[base, end)}, its
     * content (blanks trimmed) starts at {@code start}, and {@code line[start] == '{'}.
     */
    String parse(byte[] line, int base, int start, int end) {
        this.src = line;
        this.base = base;
        this.n = end;
        this.nextEscape = -1;
        this.p = start + 1;
        error = null;
        sawCode = sawLog = sawStream = sawTime = false;
        level = scope = badField = null;
        draft.reset(LogFormat.JSON);

        skipWs();
        if (p < n && src[p] == '}') {
            p++;
        } else {
            while (true) {
                if (!member()) return "malformed JSON: " + error + " at offset " + offset(p);
                skipWs();
                if (p >= n) return "malformed JSON: unterminated object";
                byte c = src[p++];
                if (c == '}') break;
                if (c != ',') {
                    p--;
                    return "malformed JSON: expected ',' or '}' at offset " + offset(p);
                }
                skipWs();
            }
        }
        skipWs();
        if (p != n) return "malformed JSON: trailing data at offset " + offset(p);

        if (draft.startTimeMillis == Rfc3339.INVALID && draft.startTime == null) {
            if (level != null) {
                String kind = scope != null && scope.startsWith("envoy") ? "envoy proxy log" : "istio-agent log";
                return kind + " (" + level + ")";
            }
            if (sawLog && sawStream && sawTime) return "not an access log: docker json-file envelope";
            return "not an access log: JSON object without start_time";
        }
        if (badField != null) return badField;
        if (draft.startTimeMillis == Rfc3339.INVALID) {
            return "bad start time: '" + AccessLogParser.excerpt(draft.startTime, 0, draft.startTime.length()) + "'";
        }
        if (!sawCode) return "not an access log: JSON object without response_code";
        return null;
    }

    /** A position in the bytes as the char offset in the decoded line (for messages). */
    private int offset(int pos) {
        return ByteText.charCount(src, base, pos);
    }

    private boolean member() {
        if (p >= n || src[p] != '"') {
            error = "expected a key";
            return false;
        }
        int ks = p + 1;
        int q = stringEnd(ks);
        if (q < 0) {
            error = "unterminated key";
            return false;
        }
        int ke = q;
        p = q + 1;
        skipWs();
        if (p >= n || src[p] != ':') {
            error = "expected ':'";
            return false;
        }
        p++;
        skipWs();
        int key = keyId(ks, ke);
        if (!value(key >= 0)) return false;
        if (key >= 0) store(key);
        return true;
    }

    private int keyId(int s, int e) {
        int len = e - s;
        if (len >= BY_LENGTH.length || BY_LENGTH[len] == null) return -1;
        for (int id : BY_LENGTH[len]) {
            if (Arrays.equals(KEY_BYTES[id], 0, len, src, s, e)) return id;
        }
        return -1;
    }

    /** Reads one value; when {@code wanted} is false, strings are only skipped. */
    private boolean value(boolean wanted) {
        if (p >= n) {
            error = "missing value";
            return false;
        }
        byte c = src[p];
        vString = null;
        vEmpty = false;
        if (c == '"') {
            int s = p + 1;
            int q = stringEnd(s);
            boolean escaped = q >= 0 && nextEscape < q;
            if (q < 0) {
                error = "unterminated string";
                return false;
            }
            vStart = s;
            vEnd = q;
            p = q + 1;
            if (q == s) {
                // An empty string says what null (or the string era's "-") says: no value. Envoy's TEXT format prints
                // "-" for an empty value; a JSON format may print "" (a header sent empty, a custom format).
                vKind = V_NULL;
                vEmpty = true;
                return true;
            }
            vKind = V_STRING;
            if (escaped && wanted) {
                vString = unescape(s, q);
                if (vString == null) {
                    error = "bad escape";
                    return false;
                }
            }
            return true;
        }
        if (c == '{' || c == '[') {
            vKind = V_OTHER;
            return skipNested();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            int s = p;
            while (p < n) {
                byte x = src[p];
                if ((x >= '0' && x <= '9') || x == '-' || x == '+' || x == '.' || x == 'e' || x == 'E') {
                    p++;
                } else {
                    break;
                }
            }
            vKind = V_NUMBER;
            vStart = s;
            vEnd = p;
            return true;
        }
        if (literal("null")) {
            vKind = V_NULL;
            return true;
        }
        if (literal("true") || literal("false")) {
            vKind = V_OTHER;
            return true;
        }
        error = "unexpected character";
        return false;
    }

    /**
     * Index of the quote that closes a string whose content starts at {@code s}, or -1. The common case (no
     * backslash before the quote) is one vectorised search.
     */
    private int stringEnd(int s) {
        int q = ByteText.indexOfInline(src, '"', s, n);
        if (q < 0) return -1;
        if (nextEscape < s) {
            nextEscape = ByteText.indexOfInline(src, '\\', s, n);
            if (nextEscape < 0) nextEscape = n;
        }
        if (nextEscape > q) return q;
        int i = s;
        while (i < n) {
            byte c = src[i];
            if (c == '"') return i;
            if (c == '\\') i++;
            i++;
        }
        return -1;
    }

    private boolean literal(String word) {
        int len = word.length();
        if (p + len > n || !ByteText.startsWithAscii(src, p, n, word)) return false;
        p += len;
        return true;
    }

    /** Skips an object or array, minding strings so braces inside them do not count. */
    private boolean skipNested() {
        int depth = 0;
        while (p < n) {
            byte c = src[p++];
            if (c == '"') {
                while (p < n && src[p] != '"') {
                    if (src[p] == '\\') p++;
                    p++;
                }
                if (p >= n) break;
                p++;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return true;
            }
        }
        error = "unterminated nested value";
        return false;
    }

    /** The string {@code src[s, e)} with its escapes resolved, or null for a bad escape. */
    private String unescape(int s, int e) {
        // the range is decoded first, so escapes are resolved over chars exactly as in the decoded line
        return unescape(ByteText.string(src, s, e));
    }

    private String unescape(String text) {
        int e = text.length();
        StringBuilder sb = unescaped;
        sb.setLength(0);
        for (int i = 0; i < e; i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i >= e) return null;
            char x = text.charAt(i);
            switch (x) {
                case '"': case '\\': case '/': sb.append(x); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u': {
                    int v = 0;
                    for (int k = 1; k <= 4; k++) {
                        if (i + k >= e) return null;
                        int d = Character.digit(text.charAt(i + k), 16);
                        if (d < 0) return null;
                        v = v * 16 + d;
                    }
                    sb.append((char) v);
                    i += 4;
                    break;
                }
                default:
                    return null;
            }
        }
        return sb.toString();
    }

    /** The current value as a String; null for null, {@code "-"}, nested values and literals. Not cached. */
    private String text() {
        switch (vKind) {
            case V_STRING:
                if (vString != null) return "-".equals(vString) ? null : vString;
                return ByteText.value(src, vStart, vEnd);
            case V_NUMBER:
                return ByteText.string(src, vStart, vEnd);
            default:
                return null;
        }
    }

    /** Like {@link #text()}, with the shared constants for Istio's own route names. */
    private String routeText() {
        if (rawString()) return TokenCache.route(src, vStart, vEnd);
        return TokenCache.known(text());
    }

    private boolean rawString() {
        return vKind == V_STRING && vString == null;
    }

    /** The current value as a non-negative integer, -1 for unset, or {@link Long#MIN_VALUE} when malformed. */
    private long integer() {
        if (vKind == V_NULL) return -1;
        if (vKind == V_STRING && vString != null) return Long.MIN_VALUE;
        if (vKind != V_STRING && vKind != V_NUMBER) return Long.MIN_VALUE;
        int s = vStart;
        int e = vEnd;
        if (vKind == V_STRING && e - s == 1 && src[s] == '-') return -1;
        if (e == s || e - s > 18) return Long.MIN_VALUE;
        long v = 0;
        for (int i = s; i < e; i++) {
            int d = src[i] - '0';
            if (d < 0 || d > 9) return Long.MIN_VALUE;
            v = v * 10 + d;
        }
        return v;
    }

    private void store(int key) {
        final RecordDraft d = draft;
        switch (key) {
            case START_TIME: {
                if (vKind != V_STRING) {
                    d.startTime = excerptValue(); // kept only for the rejection message
                    return;
                }
                if (vString != null) {
                    d.startTime = vString;
                    d.startTimeMillis = Rfc3339.parseMillis(vString, 0, vString.length());
                } else {
                    d.startTime = ByteText.string(src, vStart, vEnd);
                    d.startTimeMillis = times.parseMillis(src, vStart, vEnd);
                }
                return;
            }
            case ROUTE_NAME: d.routeName = routeText(); return;
            case METHOD: {
                String m;
                if (rawString()) {
                    m = ByteText.isDash(src, vStart, vEnd) ? null : TokenCache.method(src, vStart, vEnd);
                } else {
                    m = TokenCache.known(text());
                }
                // Istio 1.1.0-1.1.2 wrote START_TIME under "method"; a method never starts with a digit.
                d.method = m != null && !m.isEmpty() && m.charAt(0) >= '0' && m.charAt(0) <= '9' ? null : m;
                return;
            }
            case PATH:
                d.path = rawString() && !ByteText.isDash(src, vStart, vEnd) ? ByteText.string(src, vStart, vEnd) : text();
                return;
            case PROTOCOL:
                d.protocol = rawString() && !ByteText.isDash(src, vStart, vEnd)
                        ? TokenCache.protocol(src, vStart, vEnd) : TokenCache.known(text());
                return;
            case RESPONSE_CODE: {
                long v = integer();
                if (v == Long.MIN_VALUE || v > Integer.MAX_VALUE || v < 0) {
                    badField = "response code is not a number: '" + excerptValue() + "'";
                    return;
                }
                sawCode = true;
                d.responseCode = (int) v;
                return;
            }
            case RESPONSE_FLAGS: {
                if (vKind == V_NULL) {
                    d.flags = FlagSet.EMPTY;
                    return;
                }
                FlagSet flags = null;
                if (rawString()) flags = cache.flags(src, vStart, vEnd);
                if (flags == null) {
                    badField = "bad response flags: '" + excerptValue() + "'";
                    return;
                }
                d.flags = flags;
                return;
            }
            case DETAILS: d.details = details(); return;
            case TERM_DETAILS: d.termination = details(); return;
            case BYTES_RECEIVED: d.bytesReceived = count("bytes_received"); return;
            case BYTES_SENT: d.bytesSent = count("bytes_sent"); return;
            case DURATION: d.durationMs = count("duration"); return;
            case UPSTREAM_SERVICE_TIME: {
                long v = count("upstream_service_time");
                d.upstreamServiceTimeMs = v < 0 ? null : RecordDraft.boxed(v);
                return;
            }
            case XFF: d.xForwardedFor = text(); return;
            case USER_AGENT: d.userAgent = text(); return;
            case REQUEST_ID: d.requestId = text(); return;
            case AUTHORITY: d.authority = text(); return;
            case UPSTREAM_HOST: d.upstreamHost = text(); return;
            case UPSTREAM_CLUSTER: {
                if (rawString()) {
                    int e = vEnd - vStart > 1 && src[vEnd - 1] == ';' ? vEnd - 1 : vEnd;
                    d.cluster = cache.cluster(src, vStart, e);
                } else {
                    d.cluster = ClusterInfo.of(TokenCache.known(text()));
                }
                return;
            }
            case UPSTREAM_LOCAL: d.upstreamLocalAddress = text(); return;
            case DOWNSTREAM_LOCAL: d.downstreamLocalAddress = text(); return;
            case DOWNSTREAM_REMOTE: d.downstreamRemoteAddress = text(); return;
            case SNI: d.requestedServerName = text(); return;
            case UTFR: d.upstreamTransportFailureReason = text(); return;
            case LEVEL: level = AccessLogParser.excerpt(text()); return;
            case SCOPE: scope = text(); return;
            case MSG: return;
            case LOG: sawLog = true; return;
            case STREAM: sawStream = true; return;
            case TIME: sawTime = true; return;
            default: return;
        }
    }

    private Details details() {
        return rawString() ? cache.details(src, vStart, vEnd) : Details.of(TokenCache.known(text()));
    }

    private long count(String label) {
        long v = integer();
        if (v == Long.MIN_VALUE) {
            badField = "bad " + label + ": '" + excerptValue() + "'";
            return -1;
        }
        return v;
    }

    private String excerptValue() {
        if (vString != null) return AccessLogParser.excerpt(vString);
        if (vKind == V_NULL) return vEmpty ? "" : "null";
        if (vKind == V_OTHER) return "(object)";
        return ByteText.excerpt(src, vStart, vEnd);
    }

    private void skipWs() {
        while (p < n) {
            byte c = src[p];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
            p++;
        }
    }
}
