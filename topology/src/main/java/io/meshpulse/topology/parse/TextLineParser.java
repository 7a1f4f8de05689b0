package io.meshpulse.topology.parse;

import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.TextLayout.Field;
import io.meshpulse.topology.parse.TextLayout.Shape;
import io.meshpulse.topology.parse.TokenCache.ClusterInfo;
import io.meshpulse.topology.parse.TokenCache.Details;
import io.meshpulse.topology.parse.TokenCache.FlagSet;

/**
 * Parses one TEXT access-log line (already known to start with {@code [}) from its UTF-8 bytes into a
 * {@link RecordDraft}. All delimiters are ASCII, so positions in the bytes stand for positions in the decoded
 * line; the two places that compare a distance with a char count convert it.
 *
 * <p>Fast path: split the line into tokens where a quoted token ends at the first {@code "} that is followed by a
 * space or the end of the line, pick the layout from the token count and from which tokens right after the flags
 * are quoted, then check each token against the layout. This is exact for every line whose quoted values hold no
 * {@code "} followed by a space.
 *
 * <p>Slow path, when the fast path fails: a backtracking matcher tries the layouts in
 * {@link TextLayout#MATCH_ORDER}, letting only the request line and the user agent contain quotes. If exactly one
 * split fits, it is used; if several fit, the line is rejected as ambiguous rather than guessed. The same matcher
 * checks lines that carry extra trailing tokens, since those could be the spill-over of a quoted value.
 *
 * <p>Not thread-safe; owned by one {@link AccessLogParser}.
 */
final class TextLineParser {

    /** Enough for the longest layout plus one, so "has extra fields" is known without tokenizing them. */
    private static final int MAX_TOKENS = 23;
    /** Bound on slow-path steps, so a line full of quotes cannot make the matcher run away. */
    private static final int MATCH_BUDGET = 20_000;

    private final TokenCache cache;
    private final RecordDraft draft;
    private final Rfc3339Bytes times;

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

    private byte[] src;
    private int n;

    // the fast path's bitmaps of the line's delimiters, when StructuralMasks.ENABLED (see StructuralMasks)
    private final long[] quoteMask = StructuralMasks.ENABLED ? new long[StructuralMasks.BLOCKS] : null;
    private final long[] stopMask = StructuralMasks.ENABLED ? new long[StructuralMasks.BLOCKS] : null;
    private final byte[] maskPad = StructuralMasks.ENABLED ? new byte[64] : null;
    /** Where the line the bitmaps describe starts. */
    private int maskBase;

    // what splitRequest found
    private int reqMethodEnd;
    /** The index in {@link TokenCache#METHODS} of the method splitRequest recognised, or -1. */
    private int reqKnownMethod;
    private int reqPathEnd;
    private int reqProtoStart;
    private int reqProtoEnd;

    TextLineParser(TokenCache cache, RecordDraft draft, Rfc3339Bytes times) {
        this.cache = cache;
        this.draft = draft;
        this.times = times;
    }

    /** Fills the draft and returns null, or returns the rejection reason. {@code line[start, end)} is the line. */
    String parse(byte[] line, int start, int end) {
        this.src = line;
        this.n = end;
        draft.reset(LogFormat.TEXT);
        tokenize(start);
        startMillis = tokens > 0 ? times.parseMillis(src, tokStart[0], tokEnd[0]) : Rfc3339.INVALID;
        if (tokens > 0 && startMillis == Rfc3339.INVALID) {
            // nothing else is worth reading when the line does not start with a time
            return "bad start time: '" + ByteText.excerpt(src, tokStart[0], tokEnd[0]) + "'";
        }
        String reason;
        TextLayout layout = detect();
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

    // ----------------------------------------------------------------------------------- 1.9+ layout fast path

    /**
     * The Istio 1.9+ layout (the default since 2021) read in one straight pass: each field is found, checked and
     * converted in layout order, with no token table and no per-field dispatch; numbers are converted while their
     * end is searched, and the record is built from locals (not through the long-lived draft, whose every
     * reference store would pay G1's old-to-young write barrier). For the same reason the line is handed to the
     * helpers as an argument rather than kept in {@link #src}: storing a reference into this long-lived parser once
     * a line made G1's post-write barrier run its StoreLoad fence every time, about 8 % of the whole parse.
     * Returns the classified record, or null when the line is not a plain, valid 1.9+ line (a run of spaces
     * between tokens, a quote inside a quoted value, a quoted value where a bare one belongs or the reverse, extra
     * trailing tokens, any invalid value, ...); the caller then runs {@link #parse}, so a line declined here gives
     * exactly the result it gave before.
     *
     * <p>A line is accepted only when {@link #parse} would split it into the same tokens (single spaces; a quoted
     * value ends at its first quote, which is followed by a space or the line end; bare values end as
     * {@link #bareEnd(byte[], int, int)} ends them), detect {@link TextLayout#ISTIO_1_9} and fill every field
     * without error, so the record built here equals the one built from the draft {@link #parse} fills.
     * {@code line[start, end)} is the trimmed line and starts with {@code [}.
     */
    AccessLogRecord layout19(byte[] line, int start, int end) {
        return layout19(line, start, end, false);
    }

    /**
     * {@link #layout19(byte[], int, int)}; {@code owned} says that the record may keep {@code line} as its text
     * instead of a copy, because nobody writes those bytes while the record is read: the private array
     * {@link AccessLogParser#parse(String)} encodes, or a caller's buffer under {@link AccessLogParser#parseView}'s
     * terms.
     *
     * <p>The record's free-text values are not decoded here: their positions are kept as spans of the line's
     * bytes, and the record decodes each from its text when it is first read (see
     * {@link AccessLogRecord}). Only what classifying the line needs (flags, details, cluster, route) and the
     * values that are shared constants (method, protocol) are made now.
     */
    AccessLogRecord layout19(byte[] line, int start, int end, boolean owned) {
        final byte[] b = line;
        final int n = end;
        // spans are relative to start and pack their ends into 16 bits; longer lines take the general path
        if (n - start >= AccessLogRecord.MAX_LAZY_LINE) return null;
        final int base = start;
        if (StructuralMasks.ENABLED) {
            VectorMasks.build(b, start, n, quoteMask, stopMask, maskPad);
            maskBase = start;
        }

        // [START_TIME]: a valid time holds no ']', so a ']' where the common 24-char time ends is the first one
        int e = start + 25 < n && b[start + 25] == ']' ? start + 25 : ByteText.indexOf(b, ']', start + 1, n);
        if (e < 0) return null;
        final long millis = times.parseMillis(b, start + 1, e);
        if (millis == Rfc3339.INVALID) return null;
        final int startTime = span(base, start + 1, e);
        // "METHOD PATH PROTOCOL"
        int s = e + 3;
        e = quoted(b, n, e + 1);
        if (e < 0 || !splitRequest(b, s, e)) return null;
        final String method = requestMethod(b, s);
        final int path = requestPathSpan(b, base);
        final String protocol = requestProtocol(b);
        // RESPONSE_CODE
        e = digits(b, n, e + 1, 9);
        if (e < 0 || scanned < 0) return null;
        final int code = (int) scanned;
        // RESPONSE_FLAGS RESPONSE_CODE_DETAILS CONNECTION_TERMINATION_DETAILS
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final FlagSet flags = cache.flags(b, s, e);
        if (flags == null) return null;
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final Details details = cache.details(b, s, e);
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final Details termination = cache.details(b, s, e);
        // "UPSTREAM_TRANSPORT_FAILURE_REASON"
        s = e + 2;
        e = quoted(b, n, e);
        if (e < 0) return null;
        final int utfr = valueSpan(b, base, s, e);
        // BYTES_RECEIVED BYTES_SENT DURATION UPSTREAM_SERVICE_TIME
        e = digits(b, n, e + 1, 18);
        if (e < 0) return null;
        final long rx = scanned;
        e = digits(b, n, e, 18);
        if (e < 0) return null;
        final long tx = scanned;
        e = digits(b, n, e, 18);
        if (e < 0) return null;
        final long duration = scanned;
        e = digits(b, n, e, 18);
        if (e < 0) return null;
        final Long ust = scanned < 0 ? null : RecordDraft.boxed(scanned);
        return layout19Rest(b, n, base, e, owned, millis, startTime, method, path, protocol, code, flags, details,
                termination, utfr, rx, tx, duration, ust);
    }

    /**
     * The second half of {@link #layout19(byte[], int, int, boolean)}, from the space after UPSTREAM_SERVICE_TIME
     * at {@code e}, with the values of the first half as arguments. One method for the whole line was past what
     * C2 inlines into one compilation (its DesiredMethodLimit): the helpers of the last ten fields, down to the
     * two-line span helper, were left as calls; two halves each get their helpers inlined. The values cross as
     * arguments (registers and the stack), not through fields of this long-lived parser, which would cost a write
     * barrier each.
     */
    private AccessLogRecord layout19Rest(byte[] b, int n, int base, int e, boolean owned, long millis, int startTime,
            String method, int path, String protocol, int code, FlagSet flags, Details details, Details termination,
            int utfr, long rx, long tx, long duration, Long ust) {
        int s;
        // "X-FORWARDED-FOR" "USER-AGENT" "X-REQUEST-ID" ":AUTHORITY" "UPSTREAM_HOST"
        s = e + 2;
        e = quoted(b, n, e);
        if (e < 0) return null;
        final int xff = valueSpan(b, base, s, e);
        s = e + 3;
        e = quoted(b, n, e + 1);
        if (e < 0) return null;
        final int userAgent = valueSpan(b, base, s, e);
        s = e + 3;
        e = quoted(b, n, e + 1);
        if (e < 0) return null;
        final int requestId = valueSpan(b, base, s, e);
        s = e + 3;
        e = quoted(b, n, e + 1);
        if (e < 0) return null;
        final int authority = valueSpan(b, base, s, e);
        s = e + 3;
        e = quoted(b, n, e + 1);
        if (e < 0) return null;
        final int upstreamHost = valueSpan(b, base, s, e);
        // UPSTREAM_CLUSTER(_RAW) UPSTREAM_LOCAL_ADDRESS DOWNSTREAM_LOCAL_ADDRESS DOWNSTREAM_REMOTE_ADDRESS
        // REQUESTED_SERVER_NAME ROUTE_NAME, the last one ending the line
        s = e + 2;
        e = bare(b, n, e + 1);
        if (e < 0) return null;
        final ClusterInfo cluster = cache.cluster(b, s, e > s + 1 && b[e - 1] == ';' ? e - 1 : e);
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final int ula = valueSpan(b, base, s, e);
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final int dla = valueSpan(b, base, s, e);
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final int dra = valueSpan(b, base, s, e);
        s = e + 1;
        e = bare(b, n, e);
        if (e < 0) return null;
        final int sni = valueSpan(b, base, s, e);
        final String route;
        final int routeSpan;
        if (e == n - 8 && ByteText.word(b, e) == SPACE_DEFAULT) {
            route = TokenCache.ROUTES[0]; // " default" ends most lines: what the search below would find
            routeSpan = AccessLogRecord.NONE;
        } else {
            s = e + 1;
            e = bare(b, n, e);
            if (e != n) return null;
            route = TokenCache.knownRoute(b, s, e);
            routeSpan = route != null ? AccessLogRecord.NONE : valueSpan(b, base, s, e);
        }
        // The line is accepted: the record gets its own copy of the bytes (under parse(byte[], int, int) the caller's
        // buffer is only read during the call), unless it may keep the array it was given.
        final byte[] text = owned ? b : java.util.Arrays.copyOfRange(b, base, n);
        return RecordDraft.lazyText(text, owned ? base : 0, millis, startTime, method, path, protocol, code, flags,
                details, termination, utfr, rx, tx, duration, ust, xff, userAgent, requestId, authority, upstreamHost,
                cluster, ula, dla, dra, sni, route, routeSpan);
    }

    /** {@code " default"} as a little-endian word: the space before the last field and Istio's default route. */
    private static final long SPACE_DEFAULT =
            ByteText.word(" default".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);

    /** The span of {@code [s, e)} relative to {@code base}. */
    private static int span(int base, int s, int e) {
        return AccessLogRecord.span(s - base, e - base);
    }

    /** {@link #span}, or {@link AccessLogRecord#NONE} for a lone {@code -} (as {@link ByteText#value} reads it). */
    private static int valueSpan(byte[] src, int base, int s, int e) {
        return e - s == 1 && src[s] == '-' ? AccessLogRecord.NONE : AccessLogRecord.span(s - base, e - base);
    }

    /** The number (or -1 for {@code -}) read by the last {@link #digits}. */
    private long scanned;

    /**
     * At {@code p}, one space and a quoted value whose first closing quote is followed by a space or ends the line:
     * returns the position of that quote (the value starts at {@code p + 2}), or -1.
     */
    private int quoted(byte[] src, int n, int p) {
        final byte[] b = src;
        if (p + 1 >= n || b[p] != ' ' || b[p + 1] != '"') return -1;
        // "-" (unset) is the most common value of several fields: no search for it
        if (p + 3 < n && b[p + 2] == '-' && b[p + 3] == '"' && (p + 4 == n || b[p + 4] == ' ')) return p + 3;
        int q;
        if (StructuralMasks.ENABLED) {
            q = StructuralMasks.next(quoteMask, maskBase, p + 2);
            if (q == n) return -1;
        } else {
            q = ByteText.indexOf(b, '"', p + 2, n);
            if (q < 0) return -1;
        }
        if (q + 1 < n && b[q + 1] != ' ') return -1;
        return q;
    }

    /** At {@code p}, one space and a bare value ending where {@link #bareEnd} ends it: returns its end, or -1. */
    private int bare(byte[] src, int n, int p) {
        final byte[] b = src;
        if (p + 1 >= n || b[p] != ' ') return -1;
        byte c = b[p + 1];
        if (c == ' ' || c == '"') return -1;
        if (c == '-' && (p + 2 == n || b[p + 2] == ' ')) return p + 2; // "-": no search
        if (StructuralMasks.ENABLED) {
            // bareEnd, with the first space or brace taken from the bitmap
            int stop = StructuralMasks.next(stopMask, maskBase, p + 1);
            return stop == n || b[stop] == ' ' ? stop : bracedEnd(src, n, p + 1);
        }
        return bareEnd(src, n, p + 1);
    }

    /**
     * At {@code p}, one space and a count as {@link #count} reads it: at most {@code maxDigits} digits (or a lone
     * {@code -}, read as -1; {@code maxDigits} 9 is the response code, which must be a number) ending at a space or
     * the line end. Sets {@link #scanned} and returns the end, or -1. Up to seven digits are read from one
     * eight-byte word without a branch per digit (see {@link ByteText#digitCount}).
     */
    private int digits(byte[] src, int n, int p, int maxDigits) {
        final byte[] b = src;
        final int s = p + 1;
        if (s >= n || b[p] != ' ') return -1;
        if (s > b.length - 8) return digitsByByte(src, n, p, maxDigits);
        long w = ByteText.word(b, s);
        int count = ByteText.digitCount(w);
        int q = s + count;
        // eight digits or more, or digits that run past the line end: the byte loop decides
        if (count == 8 || q > n) return digitsByByte(src, n, p, maxDigits);
        long v;
        if (count == 0) {
            if (maxDigits == 9 || b[s] != '-') return -1;
            v = -1;
            q++;
        } else {
            v = ByteText.digitsValue(w, count);
        }
        if (q < n && b[q] != ' ') return -1;
        scanned = v;
        return q;
    }

    /** {@link #digits}, a byte at a time. */
    private int digitsByByte(byte[] src, int n, int p, int maxDigits) {
        final byte[] b = src;
        final int s = p + 1;
        int q = s;
        long v = 0;
        while (q < n) {
            int digit = b[q] - '0';
            if (digit < 0 || digit > 9) break;
            v = v * 10 + digit;
            q++;
        }
        if (q == s) {
            if (maxDigits == 9 || b[s] != '-') return -1;
            v = -1;
            q++;
        } else if (q - s > maxDigits) {
            return -1;
        }
        if (q < n && b[q] != ' ') return -1;
        scanned = v;
        return q;
    }

    // ---------------------------------------------------------------------------------------------- fast path

    private void tokenize(int p) {
        final byte[] src = this.src;
        final int n = this.n;
        int count = 0;
        unterminated = false;
        detectFailure = null;
        while (count < MAX_TOKENS) {
            while (p < n && src[p] == ' ') p++;
            if (p >= n) break;
            byte c = src[p];
            int s;
            int e;
            boolean quoted;
            boolean inner = false;
            if (c == '"') {
                s = p + 1;
                int q = ByteText.indexOf(src, '"', s, n);
                while (q >= 0 && q + 1 < n && src[q + 1] != ' ') {
                    inner = true; // a quote inside the value: only legitimate in the request and user agent
                    q = ByteText.indexOf(src, '"', q + 1, n);
                }
                if (q < 0) {
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
                int q = ByteText.indexOf(src, ']', s, n);
                if (q < 0 || (q - s > 40 && ByteText.charCount(src, s, q) > 40)) {
                    detectFailure = "bad start time: '" + firstChars(s, 40) + "'";
                    tokens = 0;
                    return;
                }
                e = q;
                p = q + 1;
                quoted = true;
            } else {
                s = p;
                p = bareEnd(src, n, p);
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

    /** The excerpt of at most {@code max} chars from {@code s} on, never marked as cut. */
    private String firstChars(int s, int max) {
        String head = ByteText.string(src, s, Math.min(n, s + 200)); // 200 bytes hold at least 50 chars
        return AccessLogParser.excerpt(head, 0, Math.min(head.length(), max));
    }

    /**
     * End of an unquoted token. Envoy up to 1.15 could print a space inside the braces of response-code details
     * ({@code upstream_reset_before_response_started{local reset}}), so a space inside {@code {...}} does not end it.
     */
    private static int bareEnd(byte[] src, int n, int start) {
        int stop = ByteText.spaceOrBrace(src, start, n);
        return stop == n || src[stop] == ' ' ? stop : bracedEnd(src, n, start);
    }

    /** {@link #bareEnd} when a brace opens before the first space: spaces inside the braces belong to the token. */
    private static int bracedEnd(byte[] src, int n, int start) {
        int depth = 0;
        for (int p = start; p < n; p++) {
            byte c = src[p];
            if (c == ' ' && depth == 0) return p;
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            }
        }
        // an unbalanced brace does not swallow the rest of the line
        if (depth == 0) return n;
        int space = ByteText.indexOf(src, ' ', start, n);
        return space < 0 ? n : space;
    }

    /** Picks the layout from token shape; null when the line is too short to hold any layout it starts like. */
    private TextLayout detect() {
        int complete = unterminated ? tokens - 1 : tokens;
        if (tokens < 2) {
            expected = 0;
            return null;
        }
        TextLayout layout;
        if (!tokQuoted[1]) {
            layout = TextLayout.ISTIO_1_0_TCP;
        } else if (tokens < 7) {
            expected = 0;
            return null;
        } else if (tokQuoted[4]) {
            if (tokQuoted[5]) {
                layout = complete >= 21 ? TextLayout.ISTIO_1_3 : TextLayout.ISTIO_1_2;
            } else {
                layout = complete >= 20 ? TextLayout.ISTIO_1_8 : TextLayout.ISTIO_1_1;
            }
        } else if (tokQuoted[6]) {
            layout = TextLayout.ISTIO_1_9;
        } else if (gluedRequest(src, tokStart[1], tokEnd[1])) {
            // Only Istio 1.0.3+ glued path and protocol, so the request line names the layout: counting tokens
            // alone would read a 1.0.3 line with extra trailing fields as the 1.1 snapshot one (an extra as SNI).
            layout = TextLayout.ISTIO_1_0;
        } else if (complete >= 18) {
            layout = TextLayout.ISTIO_1_1_SNAPSHOT;
        } else {
            // a spaced request line with 13 to 17 tokens is Envoy's default plus extra fields, not 1.0.3 (whose
            // cluster and addresses would then be read from those extras)
            layout = TextLayout.ENVOY_DEFAULT;
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
    private String fill(TextLayout layout) {
        // The 1.0 TCP format has no code token. Envoy's %RESPONSE_CODE% is 0 for a connection that got no HTTP
        // response, and every later layout prints 0 for TCP, so the same connection reads the same whichever
        // layout logged it (the draft's -1 would otherwise reach `meshpulse parse` as "responseCode":-1).
        if (layout == TextLayout.ISTIO_1_0_TCP) draft.responseCode = 0;
        Field[] fields = layout.fields;
        for (int i = 0; i < fields.length; i++) {
            Field f = fields[i];
            boolean quoted = tokQuoted[i];
            Shape shape = f.shape;
            if ((shape == Shape.BARE) == quoted) {
                return "unexpected " + (quoted ? "quoted " : "unquoted ") + f.label + " in " + label(layout);
            }
            // Only the request line and the user agent hold a quote here (the client's other headers may in
            // slowPath's second pass, which clears these marks).
            if (shape == Shape.QUOTED && tokInnerQuote[i]) return "stray quote in " + f.label;
            String r = assign(f, tokStart[i], tokEnd[i]);
            if (r != null) return r;
        }
        return null;
    }

    private static String label(TextLayout layout) {
        return "text layout " + layout.name();
    }

    private String assign(Field f, int s, int e) {
        final RecordDraft d = draft;
        final byte[] src = this.src;
        switch (f) {
            case TS: {
                long t = s == tokStart[0] && e == tokEnd[0] ? startMillis : times.parseMillis(src, s, e);
                if (t == Rfc3339.INVALID) return "bad start time: '" + ByteText.excerpt(src, s, e) + "'";
                d.startTimeMillis = t;
                d.startTime = ByteText.string(src, s, e);
                return null;
            }
            case REQ:
                return request(s, e);
            case CODE: {
                int code = (int) number(s, e, 9);
                if (code < 0) {
                    return "response code is not a number: '" + ByteText.excerpt(src, s, e) + "'";
                }
                d.responseCode = code;
                return null;
            }
            case FLAGS: {
                FlagSet flags = cache.flags(src, s, e);
                if (flags == null) return "bad response flags: '" + ByteText.excerpt(src, s, e) + "'";
                d.flags = flags;
                return null;
            }
            case DETAILS:
                d.details = cache.details(src, s, e);
                return null;
            case TERM:
                d.termination = cache.details(src, s, e);
                return null;
            case MIXER:
                return null;
            case UTFR:
                d.upstreamTransportFailureReason = ByteText.value(src, s, e);
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
                d.upstreamServiceTimeMs = v < 0 ? null : RecordDraft.boxed(v);
                return null;
            }
            case XFF:
                d.xForwardedFor = ByteText.value(src, s, e);
                return null;
            case UA:
                d.userAgent = ByteText.value(src, s, e);
                return null;
            case RID:
                d.requestId = ByteText.value(src, s, e);
                return null;
            case AUTH:
                d.authority = ByteText.value(src, s, e);
                return null;
            case UHOST:
                d.upstreamHost = ByteText.value(src, s, e);
                return null;
            case CLUSTER:
                // Istio 1.23+ %UPSTREAM_CLUSTER% ends in ';' (alt_stat_name); drop it here so the cache keeps one copy.
                d.cluster = cache.cluster(src, s, e > s + 1 && src[e - 1] == ';' ? e - 1 : e);
                return null;
            case ULA:
                d.upstreamLocalAddress = ByteText.value(src, s, e);
                return null;
            case DLA:
                d.downstreamLocalAddress = ByteText.value(src, s, e);
                return null;
            case DRA:
                d.downstreamRemoteAddress = ByteText.value(src, s, e);
                return null;
            case SNI:
                d.requestedServerName = ByteText.value(src, s, e);
                return null;
            case ROUTE:
                d.routeName = TokenCache.route(src, s, e);
                return null;
            default:
                throw new AssertionError(f);
        }
    }

    private static final long BAD = Long.MIN_VALUE;

    private String badNumber(Field f, int s, int e) {
        return "bad " + f.label + ": '" + ByteText.excerpt(src, s, e) + "'";
    }

    /** A non-negative count, -1 for {@code -}, or {@link #BAD}. */
    private long count(int s, int e) {
        if (e - s == 1 && src[s] == '-') return -1;
        long v = number(s, e, 18);
        return v < 0 ? BAD : v;
    }

    /** Digits only, at most {@code maxDigits}; -1 when not a number. */
    private long number(int s, int e, int maxDigits) {
        int len = e - s;
        if (len == 0 || len > maxDigits) return -1;
        long v = 0;
        for (int i = s; i < e; i++) {
            int d = src[i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /**
     * Splits {@code METHOD PATH PROTOCOL}. Istio 1.0.3+ glued path and protocol ({@code /HTTP/1.1}), so with a
     * single space the protocol is cut off the end of the path.
     */
    private String request(int s, int e) {
        if (!splitRequest(src, s, e)) return badRequest(s, e);
        final RecordDraft d = draft;
        d.method = requestMethod(src, s);
        d.path = requestPath(src);
        d.protocol = requestProtocol(src);
        return null;
    }

    /**
     * Finds the parts of the request line {@code [s, e)}, as positions in int fields (so the fast path stores no
     * reference on the way); false when it is not a valid request line. TCP's {@code - - -} has no parts.
     */
    private boolean splitRequest(byte[] src, int s, int e) {
        reqKnownMethod = -1;
        if (e - s == 5 && src[s] == '-' && src[s + 1] == ' ' && src[s + 2] == '-' && src[s + 3] == ' ' && src[s + 4] == '-') {
            reqMethodEnd = -1; // TCP: "- - -"
            return true;
        }
        // The usual shape, found without a loop: a known method and a space in the first eight bytes, and an HTTP
        // version after the last space (the version holds no space, so the space before it is the last one). It
        // gives what the loops below give for such a line.
        int version = e - s > 10 ? protocolSuffix(src, s, e) : 0;
        if (version > 0 && src[e - version - 1] == ' ') {
            long w = ByteText.word(src, s);
            int m = ByteText.spaceCount(w); // bytes before the first space, 8 when none
            int known = TokenCache.knownMethod(w, m);
            if (known >= 0 && s + m < e - version - 1) {
                reqKnownMethod = known;
                reqMethodEnd = s + m;
                reqPathEnd = e - version - 1;
                reqProtoStart = e - version;
                reqProtoEnd = e;
                return true;
            }
        }
        int sp1 = s;
        while (sp1 < e && src[sp1] != ' ') sp1++;
        if (sp1 == e || sp1 == s) return false;
        for (int i = s; i < sp1; i++) {
            byte c = src[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) return false;
        }
        int sp2 = e - 1;
        while (sp2 > sp1 && src[sp2] != ' ') sp2--;
        if (sp2 > sp1) {
            int ps = sp2 + 1;
            if (e - ps == 1 && src[ps] == '-') {
                reqProtoStart = -1;
            } else if (protocolSuffix(src, ps, e) == e - ps) {
                reqProtoStart = ps;
            } else {
                return false;
            }
            reqPathEnd = sp2;
        } else {
            int glued = protocolSuffix(src, sp1 + 1, e);
            if (glued > 0) {
                reqPathEnd = e - glued;
                reqProtoStart = e - glued;
            } else if (e - sp1 - 1 >= 2 && src[e - 1] == '-') {
                reqPathEnd = e - 1; // "- --": unset path and unset protocol glued together
                reqProtoStart = -1;
            } else {
                return false;
            }
        }
        reqMethodEnd = sp1;
        reqProtoEnd = e;
        return true;
    }

    /** The method of the request line split last, which starts at {@code s}; null for {@code -} and TCP. */
    private String requestMethod(byte[] src, int s) {
        if (reqKnownMethod >= 0) return TokenCache.METHODS[reqKnownMethod];
        int sp1 = reqMethodEnd;
        if (sp1 < 0 || (sp1 - s == 1 && src[s] == '-')) return null;
        return TokenCache.method(src, s, sp1);
    }

    /** The path of the request line split last; null when empty, {@code -} or TCP. */
    private String requestPath(byte[] src) {
        if (reqMethodEnd < 0) return null;
        int ps = reqMethodEnd + 1;
        int pe = reqPathEnd;
        return pe == ps || (pe - ps == 1 && src[ps] == '-') ? null : ByteText.string(src, ps, pe);
    }

    /** {@link #requestPath}'s value as a span relative to {@code base}, or {@link AccessLogRecord#NONE} for null. */
    private int requestPathSpan(byte[] src, int base) {
        if (reqMethodEnd < 0) return AccessLogRecord.NONE;
        int ps = reqMethodEnd + 1;
        int pe = reqPathEnd;
        return pe == ps || (pe - ps == 1 && src[ps] == '-') ? AccessLogRecord.NONE : span(base, ps, pe);
    }

    /** The protocol of the request line split last (always a shared constant); null for {@code -} and TCP. */
    private String requestProtocol(byte[] src) {
        if (reqMethodEnd < 0 || reqProtoStart < 0) return null;
        // splitRequest only accepts a suffix protocolSuffix matched whole (or an empty one): when there is one,
        // its length and last byte tell which
        int len = reqProtoEnd - reqProtoStart;
        if (len == 8) return src[reqProtoEnd - 1] == '1' ? "HTTP/1.1" : "HTTP/1.0";
        if (len == 6) return src[reqProtoEnd - 1] == '2' ? "HTTP/2" : "HTTP/3";
        return TokenCache.protocol(src, reqProtoStart, reqProtoEnd);
    }

    /** Length of an {@code HTTP/1.0|HTTP/1.1|HTTP/2|HTTP/3} suffix of {@code [s,e)}, or 0. */
    private static int protocolSuffix(byte[] src, int s, int e) {
        int len = e - s;
        if (len >= 8 && src[e - 8] == 'H' && src[e - 3] == '1' && src[e - 2] == '.'
                && (src[e - 1] == '1' || src[e - 1] == '0') && http(src, e - 8)) {
            return 8;
        }
        if (len >= 6 && (src[e - 1] == '2' || src[e - 1] == '3') && http(src, e - 6)) {
            return 6;
        }
        return 0;
    }

    private static boolean http(byte[] src, int at) {
        return src[at] == 'H' && src[at + 1] == 'T' && src[at + 2] == 'T' && src[at + 3] == 'P' && src[at + 4] == '/';
    }

    private String badRequest(int s, int e) {
        return "bad request field: '" + ByteText.excerpt(src, s, e) + "'";
    }

    // ---------------------------------------------------------------------------------------------- slow path

    private int countSplits(TextLayout layout, int start) {
        solutions = 0;
        budget = MATCH_BUDGET;
        match(layout, 0, start);
        return budget <= 0 ? 2 : solutions;
    }

    private static String ambiguous(TextLayout layout) {
        return "ambiguous quotes in access log (" + label(layout) + ")";
    }

    /**
     * Returns null on success (draft filled), {@link #NO_MATCH}, or a reason. A first pass lets only the request
     * line and the user agent hold quotes. When no layout matches that way, a second pass also lets the other
     * headers a client sends (X-Forwarded-For, x-request-id, :authority) hold them, since Envoy prints those
     * unescaped too (junk at an ingress gateway); it accepts only a line that splits one way, and the first pass
     * keeps deciding every line it matches, so no line that parsed before reads differently now.
     */
    private String slowPath(int start) {
        try {
            for (int pass = 0; pass < 2; pass++) {
                looseHeaders = pass == 1;
                for (TextLayout layout : TextLayout.MATCH_ORDER) {
                    int found = countSplits(layout, start);
                    if (found > 1) return ambiguous(layout);
                    if (found == 1) {
                        for (int i = 0; i < layout.size(); i++) {
                            tokQuoted[i] = layout.fields[i].shape != Shape.BARE;
                            tokInnerQuote[i] = false; // checked by the matcher already
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

    /** In {@link #slowPath}'s second pass: the client's headers may hold quotes as the user agent may. */
    private boolean looseHeaders;

    private static boolean clientHeader(Field f) {
        return f == Field.XFF || f == Field.RID || f == Field.AUTH;
    }

    private void match(TextLayout layout, int fi, int p) {
        if (solutions > 1 || --budget <= 0) return;
        Field[] fields = layout.fields;
        if (fi == fields.length) {
            if (p == n || src[p] == ' ') {
                if (solutions == 0) {
                    System.arraycopy(tryStart, 0, tokStart, 0, fields.length);
                    System.arraycopy(tryEnd, 0, tokEnd, 0, fields.length);
                }
                solutions++;
            }
            return;
        }
        if (fi > 0) {
            if (p >= n || src[p] != ' ') return;
            while (p < n && src[p] == ' ') p++;
        }
        if (p >= n) return;
        Field f = fields[fi];
        Shape shape = looseHeaders && clientHeader(f) ? Shape.QUOTED_FREE : f.shape;
        switch (shape) {
            case BRACKET: {
                if (src[p] != '[') return;
                int q = p + 1;
                while (q < n && src[q] != ']') q++;
                if (q >= n) return;
                tryStart[fi] = p + 1;
                tryEnd[fi] = q;
                match(layout, fi + 1, q + 1);
                return;
            }
            case QUOTED: {
                if (src[p] != '"') return;
                int q = p + 1;
                while (q < n && src[q] != '"') q++;
                if (q >= n || (q + 1 < n && src[q + 1] != ' ')) return;
                tryStart[fi] = p + 1;
                tryEnd[fi] = q;
                match(layout, fi + 1, q + 1);
                return;
            }
            case QUOTED_FREE: {
                if (src[p] != '"') return;
                for (int q = p + 1; q < n && solutions < 2 && budget > 0; q++) {
                    if (src[q] == '"' && (q + 1 == n || src[q + 1] == ' ')) {
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
                if (src[p] == '"') return;
                int q = bareEnd(src, n, p);
                if (!bareOk(f, p, q)) return;
                tryStart[fi] = p;
                tryEnd[fi] = q;
                match(layout, fi + 1, q);
            }
        }
    }

    private boolean looksLikeRequest(TextLayout layout, int s, int e) {
        int sp = s;
        while (sp < e && src[sp] != ' ') sp++;
        if (sp <= s || sp >= e) return false;
        // the 1.0 layouts are told apart by the request line itself (see detect)
        if (layout == TextLayout.ISTIO_1_0) return gluedRequest(src, s, e);
        if (layout == TextLayout.ENVOY_DEFAULT || layout == TextLayout.ISTIO_1_1_SNAPSHOT) {
            return !gluedRequest(src, s, e);
        }
        return true;
    }

    /**
     * True for the request line of Istio 1.0.3+, {@code METHOD PATHPROTOCOL} with a single space: every other
     * layout prints {@code METHOD PATH PROTOCOL} (TCP's {@code - - -} included), and a path holds no space.
     */
    private static boolean gluedRequest(byte[] src, int s, int e) {
        int sp = ByteText.indexOf(src, ' ', s, e);
        return sp >= 0 && ByteText.indexOf(src, ' ', sp + 1, e) < 0;
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
                    byte c = src[i];
                    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ',' || c == '-')) return false;
                }
                return true;
            default:
                for (int i = s; i < e; i++) {
                    if (src[i] == '"') return false;
                }
                return true;
        }
    }
}
