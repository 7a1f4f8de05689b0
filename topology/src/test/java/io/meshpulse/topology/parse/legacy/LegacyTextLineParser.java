package io.meshpulse.topology.parse.legacy;

import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.Direction;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.LogFormat;
import io.meshpulse.topology.parse.ParseResult;

import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.legacy.LegacyTextLayout.Field;
import io.meshpulse.topology.parse.legacy.LegacyTextLayout.Shape;
import java.util.List;

/**
 * Parses one TEXT access-log line (already known to start with {@code [}) into a {@link LegacyRecordDraft}.
 *
 * <p>Fast path: split the line into tokens where a quoted token ends at the first {@code "} that is followed by a
 * space or the end of the line, pick the layout from the token count and from which tokens right after the flags
 * are quoted, then check each token against the layout. This is exact for every line whose quoted values hold no
 * {@code "} followed by a space.
 *
 * <p>Slow path, when the fast path fails: a backtracking matcher tries the layouts in
 * {@link LegacyTextLayout#MATCH_ORDER}, letting only the request line and the user agent contain quotes. If exactly one
 * split fits, it is used; if several fit, the line is rejected as ambiguous rather than guessed. The same matcher
 * checks lines that carry extra trailing tokens, since those could be the spill-over of a quoted value.
 *
 * <p>Not thread-safe; owned by one {@link LegacyAccessLogParser}.
 */
final class LegacyTextLineParser {

    /** Enough for the longest layout plus one, so "has extra fields" is known without tokenizing them. */
    private static final int MAX_TOKENS = 23;
    /** Bound on slow-path steps, so a line full of quotes cannot make the matcher run away. */
    private static final int MATCH_BUDGET = 20_000;

    private final LegacyTokenCache cache;
    private final LegacyRecordDraft draft;

    private final int[] tokStart = new int[MAX_TOKENS];
    private final int[] tokEnd = new int[MAX_TOKENS];
    private final boolean[] tokQuoted = new boolean[MAX_TOKENS];
    /** A quoted token whose content holds a {@code "} (one not followed by a space, or it would have ended). */
    private final boolean[] tokInnerQuote = new boolean[MAX_TOKENS];
    private long startMillis;
    private int tokens;
    private boolean unterminated;

    // slow-path state
    private final int[] tryStart = new int[MAX_TOKENS];
    private final int[] tryEnd = new int[MAX_TOKENS];
    private int solutions;
    private int budget;

    private String src;
    private int n;
    /** Position of the next '{' at or after the scan point, or {@code n} when there is none; braces are rare. */
    private int nextBrace;

    LegacyTextLineParser(LegacyTokenCache cache, LegacyRecordDraft draft) {
        this.cache = cache;
        this.draft = draft;
    }

    /** Fills the draft and returns null, or returns the rejection reason. */
    String parse(String line, int start, int end) {
        this.src = line;
        this.n = end;
        draft.reset(LogFormat.TEXT);
        tokenize(start);
        startMillis = tokens > 0 ? Rfc3339.parseMillis(src, tokStart[0], tokEnd[0]) : Rfc3339.INVALID;
        if (tokens > 0 && startMillis == Rfc3339.INVALID) {
            // nothing else is worth reading when the line does not start with a time
            return "bad start time: '" + LegacyAccessLogParser.excerpt(src, tokStart[0], tokEnd[0]) + "'";
        }
        String reason;
        LegacyTextLayout layout = detect();
        if (layout == null) {
            reason = truncationReason();
        } else {
            reason = fill(layout);
            if (reason == null) {
                if (tokens <= layout.size()) return null;
                // Extra trailing tokens: make sure they are not the tail of a user agent or request line that
                // held quotes, which would shift every later field.
                return countSplits(layout, start) > 1 ? ambiguous(layout) : null;
            }
        }
        String slow = slowPath(start);
        if (slow == null) return null;
        return slow == NO_MATCH ? reason : slow;
    }

    private static final String NO_MATCH = new String("no match");
    private String detectFailure;

    // ---------------------------------------------------------------------------------------------- fast path

    private void tokenize(int p) {
        // Scanning uses String.indexOf, which the JIT turns into a vector search: far fewer mispredicted
        // branches than a character loop over ~20 short tokens.
        final String src = this.src;
        final int n = this.n;
        int count = 0;
        unterminated = false;
        detectFailure = null;
        nextBrace = -1;
        while (count < MAX_TOKENS) {
            while (p < n && src.charAt(p) == ' ') p++;
            if (p >= n) break;
            char c = src.charAt(p);
            int s;
            int e;
            boolean quoted;
            boolean inner = false;
            if (c == '"') {
                s = p + 1;
                int q = src.indexOf('"', s);
                while (q >= 0 && q < n && q + 1 < n && src.charAt(q + 1) != ' ') {
                    inner = true; // a quote inside the value: only legitimate in the request and user agent
                    q = src.indexOf('"', q + 1);
                }
                if (q < 0 || q >= n) {
                    unterminated = true;
                    e = n;
                    p = n;
                } else {
                    e = q;
                    p = q + 1;
                }
                quoted = true;
            } else if (c == '[' && count == 0) {
                s = p + 1;
                int q = src.indexOf(']', s);
                if (q < 0 || q >= n || q - s > 40) {
                    q = Math.min(n, s + 40);
                    detectFailure = "bad start time: '" + LegacyAccessLogParser.excerpt(src, s, q) + "'";
                    tokens = 0;
                    return;
                }
                e = q;
                p = q + 1;
                quoted = true;
            } else {
                s = p;
                p = bareEnd(p);
                e = p;
                quoted = false;
            }
            tokStart[count] = s;
            tokEnd[count] = e;
            tokQuoted[count] = quoted;
            tokInnerQuote[count] = inner;
            count++;
        }
        tokens = count;
    }

    /**
     * End of an unquoted token. Envoy up to 1.15 could print a space inside the braces of response-code details
     * ({@code upstream_reset_before_response_started{local reset}}), so a space inside {@code {...}} does not end it.
     */
    private int bareEnd(int start) {
        int space = src.indexOf(' ', start);
        if (space < 0 || space > n) space = n;
        if (nextBrace < start) {
            nextBrace = src.indexOf('{', start);
            if (nextBrace < 0 || nextBrace > n) nextBrace = n;
        }
        if (nextBrace >= space) return space;
        // a brace opens before the space: spaces inside the braces belong to the token
        int depth = 0;
        for (int p = start; p < n; p++) {
            char c = src.charAt(p);
            if (c == ' ' && depth == 0) return p;
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            }
        }
        // an unbalanced brace does not swallow the rest of the line
        return depth > 0 ? space : n;
    }

    /** Picks the layout from token shape; null when the line is too short to hold any layout it starts like. */
    private LegacyTextLayout detect() {
        int complete = unterminated ? tokens - 1 : tokens;
        if (tokens < 2) {
            expected = 0;
            return null;
        }
        LegacyTextLayout layout;
        if (!tokQuoted[1]) {
            layout = LegacyTextLayout.ISTIO_1_0_TCP;
        } else if (tokens < 7) {
            expected = 0;
            return null;
        } else if (tokQuoted[4]) {
            if (tokQuoted[5]) {
                layout = complete >= 21 ? LegacyTextLayout.ISTIO_1_3 : LegacyTextLayout.ISTIO_1_2;
            } else {
                layout = complete >= 20 ? LegacyTextLayout.ISTIO_1_8 : LegacyTextLayout.ISTIO_1_1;
            }
        } else if (tokQuoted[6]) {
            layout = LegacyTextLayout.ISTIO_1_9;
        } else if (gluedRequest(tokStart[1], tokEnd[1])) {
            // kept in step with TextLineParser: the 1.0 layouts are told apart by the request line (audit fix)
            layout = LegacyTextLayout.ISTIO_1_0;
        } else if (complete >= 18) {
            layout = LegacyTextLayout.ISTIO_1_1_SNAPSHOT;
        } else {
            layout = LegacyTextLayout.ENVOY_DEFAULT;
        }
        if (complete < layout.size()) {
            expected = layout.size();
            return null;
        }
        return layout;
    }

    private int expected;

    private String truncationReason() {
        if (detectFailure != null) return detectFailure;
        int complete = unterminated ? tokens - 1 : tokens;
        return expected > 0
                ? "truncated access log: " + complete + " of " + expected + " fields"
                : "truncated access log: " + complete + " fields";
    }

    /** Checks every token of the layout and copies the values into the draft; returns a reason on failure. */
    private String fill(LegacyTextLayout layout) {
        // kept in step with TextLineParser: no code token in 1.0's TCP format reads as Envoy's 0 (audit fix)
        if (layout == LegacyTextLayout.ISTIO_1_0_TCP) draft.responseCode = 0;
        Field[] fields = layout.fields;
        for (int i = 0; i < fields.length; i++) {
            Field f = fields[i];
            boolean quoted = tokQuoted[i];
            Shape shape = f.shape;
            if ((shape == Shape.BARE) == quoted) {
                return "unexpected " + (quoted ? "quoted " : "unquoted ") + f.label + " in " + label(layout);
            }
            // Only the request line and the user agent may legitimately hold a quote.
            if (shape == Shape.QUOTED && tokInnerQuote[i]) return "stray quote in " + f.label;
            String r = assign(f, tokStart[i], tokEnd[i]);
            if (r != null) return r;
        }
        return null;
    }

    private static String label(LegacyTextLayout layout) {
        return "text layout " + layout.name();
    }

    private String assign(Field f, int s, int e) {
        final LegacyRecordDraft d = draft;
        switch (f) {
            case TS: {
                long t = s == tokStart[0] && e == tokEnd[0] ? startMillis : Rfc3339.parseMillis(src, s, e);
                if (t == Rfc3339.INVALID) return "bad start time: '" + LegacyAccessLogParser.excerpt(src, s, e) + "'";
                d.startTimeMillis = t;
                d.startTime = src.substring(s, e);
                return null;
            }
            case REQ:
                return request(s, e);
            case CODE: {
                int code = (int) number(s, e, 9);
                if (code < 0) {
                    return "response code is not a number: '" + LegacyAccessLogParser.excerpt(src, s, e) + "'";
                }
                d.responseCode = code;
                return null;
            }
            case FLAGS: {
                List<String> flags = cache.flags(src, s, e);
                if (flags == null) return "bad response flags: '" + LegacyAccessLogParser.excerpt(src, s, e) + "'";
                d.responseFlags = flags;
                return null;
            }
            case DETAILS:
                d.responseCodeDetails = LegacyTokenCache.pick(src, s, e, LegacyTokenCache.DETAILS);
                return null;
            case TERM:
                d.connectionTerminationDetails = LegacyTokenCache.value(src, s, e);
                return null;
            case MIXER:
                return null;
            case UTFR:
                d.upstreamTransportFailureReason = LegacyTokenCache.value(src, s, e);
                return null;
            case RX:
                d.bytesReceived = count(s, e);
                return d.bytesReceived == BAD ? badNumber(f, s, e) : null;
            case TX:
                d.bytesSent = count(s, e);
                return d.bytesSent == BAD ? badNumber(f, s, e) : null;
            case DUR:
                d.durationMs = count(s, e);
                return d.durationMs == BAD ? badNumber(f, s, e) : null;
            case UST: {
                long v = count(s, e);
                if (v == BAD) return badNumber(f, s, e);
                d.upstreamServiceTimeMs = v < 0 ? null : Long.valueOf(v);
                return null;
            }
            case XFF:
                d.xForwardedFor = LegacyTokenCache.value(src, s, e);
                return null;
            case UA:
                d.userAgent = LegacyTokenCache.value(src, s, e);
                return null;
            case RID:
                d.requestId = LegacyTokenCache.value(src, s, e);
                return null;
            case AUTH:
                d.authority = LegacyTokenCache.value(src, s, e);
                return null;
            case UHOST:
                d.upstreamHost = LegacyTokenCache.value(src, s, e);
                return null;
            case CLUSTER:
                // Istio 1.23+ %UPSTREAM_CLUSTER% ends in ';' (alt_stat_name); drop it here so the cache keeps one copy.
                d.upstreamCluster = cluster(s, e > s + 1 && src.charAt(e - 1) == ';' ? e - 1 : e);
                return null;
            case ULA:
                d.upstreamLocalAddress = LegacyTokenCache.value(src, s, e);
                return null;
            case DLA:
                d.downstreamLocalAddress = LegacyTokenCache.value(src, s, e);
                return null;
            case DRA:
                d.downstreamRemoteAddress = LegacyTokenCache.value(src, s, e);
                return null;
            case SNI:
                d.requestedServerName = LegacyTokenCache.value(src, s, e);
                return null;
            case ROUTE:
                d.routeName = LegacyTokenCache.pick(src, s, e, LegacyTokenCache.ROUTES);
                return null;
            default:
                throw new AssertionError(f);
        }
    }

    private static final long BAD = Long.MIN_VALUE;

    private String badNumber(Field f, int s, int e) {
        return "bad " + f.label + ": '" + LegacyAccessLogParser.excerpt(src, s, e) + "'";
    }

    /** A non-negative count, -1 for {@code -}, or {@link #BAD}. */
    private long count(int s, int e) {
        if (e - s == 1 && src.charAt(s) == '-') return -1;
        long v = number(s, e, 18);
        return v < 0 ? BAD : v;
    }

    /** Digits only, at most {@code maxDigits}; -1 when not a number. */
    private long number(int s, int e, int maxDigits) {
        int len = e - s;
        if (len == 0 || len > maxDigits) return -1;
        long v = 0;
        for (int i = s; i < e; i++) {
            int d = src.charAt(i) - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** Cluster names are open-ended, but the special ones (all starting upper-case) are shared constants. */
    private String cluster(int s, int e) {
        char c = e > s ? src.charAt(s) : '-';
        return c >= 'A' && c <= 'Z' ? LegacyTokenCache.pick(src, s, e, LegacyTokenCache.CLUSTERS) : LegacyTokenCache.value(src, s, e);
    }

    /**
     * Splits {@code METHOD PATH PROTOCOL}. Istio 1.0.3+ glued path and protocol ({@code /HTTP/1.1}), so with a
     * single space the protocol is cut off the end of the path.
     */
    private String request(int s, int e) {
        final LegacyRecordDraft d = draft;
        if (e - s == 5 && src.charAt(s) == '-' && src.charAt(s + 1) == ' ' && src.charAt(s + 2) == '-' && src.charAt(s + 3) == ' ' && src.charAt(s + 4) == '-') {
            return null; // TCP: "- - -"
        }
        int sp1 = s;
        while (sp1 < e && src.charAt(sp1) != ' ') sp1++;
        if (sp1 == e || sp1 == s) return badRequest(s, e);
        for (int i = s; i < sp1; i++) {
            char c = src.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) return badRequest(s, e);
        }
        int sp2 = e - 1;
        while (sp2 > sp1 && src.charAt(sp2) != ' ') sp2--;
        int pathEnd;
        String protocol;
        if (sp2 > sp1) {
            protocol = protocol(sp2 + 1, e);
            if (protocol == BAD_PROTOCOL) return badRequest(s, e);
            pathEnd = sp2;
        } else {
            int glued = protocolSuffix(sp1 + 1, e);
            if (glued > 0) {
                pathEnd = e - glued;
                protocol = protocol(pathEnd, e);
            } else if (e - sp1 - 1 >= 2 && src.charAt(e - 1) == '-') {
                pathEnd = e - 1; // "- --": unset path and unset protocol glued together
                protocol = null;
            } else {
                return badRequest(s, e);
            }
        }
        d.method = LegacyTokenCache.pick(src, s, sp1, LegacyTokenCache.METHODS);
        d.protocol = protocol;
        int ps = sp1 + 1;
        d.path = pathEnd == ps ? null : (pathEnd - ps == 1 && src.charAt(ps) == '-') ? null : src.substring(ps, pathEnd);
        return null;
    }

    private static final String BAD_PROTOCOL = new String("bad");

    private String protocol(int s, int e) {
        if (e - s == 1 && src.charAt(s) == '-') return null;
        if (protocolSuffix(s, e) != e - s) return BAD_PROTOCOL;
        String k = LegacyTokenCache.match(src, s, e, LegacyTokenCache.PROTOCOLS);
        return k != null ? k : src.substring(s, e);
    }

    /** Length of an {@code HTTP/1.0|HTTP/1.1|HTTP/2|HTTP/3} suffix of {@code [s,e)}, or 0. */
    private int protocolSuffix(int s, int e) {
        int len = e - s;
        if (len >= 8 && src.charAt(e - 8) == 'H' && src.charAt(e - 3) == '1' && src.charAt(e - 2) == '.'
                && (src.charAt(e - 1) == '1' || src.charAt(e - 1) == '0') && http(e - 8)) {
            return 8;
        }
        if (len >= 6 && (src.charAt(e - 1) == '2' || src.charAt(e - 1) == '3') && http(e - 6)) {
            return 6;
        }
        return 0;
    }

    private boolean http(int at) {
        return src.charAt(at) == 'H' && src.charAt(at + 1) == 'T' && src.charAt(at + 2) == 'T' && src.charAt(at + 3) == 'P' && src.charAt(at + 4) == '/';
    }

    private String badRequest(int s, int e) {
        return "bad request field: '" + LegacyAccessLogParser.excerpt(src, s, e) + "'";
    }

    // ---------------------------------------------------------------------------------------------- slow path

    private int countSplits(LegacyTextLayout layout, int start) {
        solutions = 0;
        budget = MATCH_BUDGET;
        match(layout, 0, start);
        return budget <= 0 ? 2 : solutions;
    }

    private static String ambiguous(LegacyTextLayout layout) {
        return "ambiguous quotes in access log (" + label(layout) + ")";
    }

    /** Returns null on success (draft filled), {@link #NO_MATCH}, or a reason. */
    // Session 11: the same second pass as TextLineParser.slowPath (the client's other headers may hold quotes when
    // nothing else fits), so that this oracle and the parser keep agreeing.
    private String slowPath(int start) {
        try {
            for (int pass = 0; pass < 2; pass++) {
                looseHeaders = pass == 1;
                for (LegacyTextLayout layout : LegacyTextLayout.MATCH_ORDER) {
                    int found = countSplits(layout, start);
                    if (found > 1) return ambiguous(layout);
                    if (found == 1) {
                        for (int i = 0; i < layout.size(); i++) {
                            tokQuoted[i] = layout.fields[i].shape != Shape.BARE;
                            tokInnerQuote[i] = false;
                        }
                        draft.reset(LogFormat.TEXT);
                        return fill(layout);
                    }
                }
            }
            return NO_MATCH;
        } finally {
            looseHeaders = false;
        }
    }

    private boolean looseHeaders;

    private void match(LegacyTextLayout layout, int fi, int p) {
        if (solutions > 1 || --budget <= 0) return;
        Field[] fields = layout.fields;
        if (fi == fields.length) {
            if (p == n || src.charAt(p) == ' ') {
                if (solutions == 0) {
                    System.arraycopy(tryStart, 0, tokStart, 0, fields.length);
                    System.arraycopy(tryEnd, 0, tokEnd, 0, fields.length);
                }
                solutions++;
            }
            return;
        }
        if (fi > 0) {
            if (p >= n || src.charAt(p) != ' ') return;
            while (p < n && src.charAt(p) == ' ') p++;
        }
        if (p >= n) return;
        Field f = fields[fi];
        Shape shape = looseHeaders && (f == Field.XFF || f == Field.RID || f == Field.AUTH) ? Shape.QUOTED_FREE
                : f.shape;
        switch (shape) {
            case BRACKET: {
                if (src.charAt(p) != '[') return;
                int q = p + 1;
                while (q < n && src.charAt(q) != ']') q++;
                if (q >= n) return;
                tryStart[fi] = p + 1;
                tryEnd[fi] = q;
                match(layout, fi + 1, q + 1);
                return;
            }
            case QUOTED: {
                if (src.charAt(p) != '"') return;
                int q = p + 1;
                while (q < n && src.charAt(q) != '"') q++;
                if (q >= n || (q + 1 < n && src.charAt(q + 1) != ' ')) return;
                tryStart[fi] = p + 1;
                tryEnd[fi] = q;
                match(layout, fi + 1, q + 1);
                return;
            }
            case QUOTED_FREE: {
                if (src.charAt(p) != '"') return;
                for (int q = p + 1; q < n && solutions < 2 && budget > 0; q++) {
                    if (src.charAt(q) == '"' && (q + 1 == n || src.charAt(q + 1) == ' ')) {
                        if (f == Field.REQ && !looksLikeRequest(layout, p + 1, q)) continue;
                        tryStart[fi] = p + 1;
                        tryEnd[fi] = q;
                        match(layout, fi + 1, q + 1);
                    }
                }
                return;
            }
            case BARE:
            default: {
                if (src.charAt(p) == '"') return;
                nextBrace = -1; // the matcher moves backwards, so the cached brace position may be stale
                int q = bareEnd(p);
                if (!bareOk(f, p, q)) return;
                tryStart[fi] = p;
                tryEnd[fi] = q;
                match(layout, fi + 1, q);
            }
        }
    }

    private boolean looksLikeRequest(LegacyTextLayout layout, int s, int e) {
        int sp = s;
        while (sp < e && src.charAt(sp) != ' ') sp++;
        if (sp <= s || sp >= e) return false;
        if (layout == LegacyTextLayout.ISTIO_1_0) return gluedRequest(s, e);
        if (layout == LegacyTextLayout.ENVOY_DEFAULT || layout == LegacyTextLayout.ISTIO_1_1_SNAPSHOT) {
            return !gluedRequest(s, e);
        }
        return true;
    }

    /** One space only: Istio 1.0.3+'s METHOD PATHPROTOCOL request line. */
    private boolean gluedRequest(int s, int e) {
        int sp = src.indexOf(' ', s);
        return sp >= 0 && sp < e && (src.indexOf(' ', sp + 1) < 0 || src.indexOf(' ', sp + 1) >= e);
    }

    /** Cheap shape checks that steer the matcher; {@link #fill} does the full validation afterwards. */
    private boolean bareOk(Field f, int s, int e) {
        switch (f) {
            case CODE:
                return number(s, e, 9) >= 0;
            case RX:
            case TX:
            case DUR:
            case UST:
                return count(s, e) != BAD;
            case FLAGS:
                for (int i = s; i < e; i++) {
                    char c = src.charAt(i);
                    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ',' || c == '-')) return false;
                }
                return true;
            default:
                for (int i = s; i < e; i++) {
                    if (src.charAt(i) == '"') return false;
                }
                return true;
        }
    }
}
