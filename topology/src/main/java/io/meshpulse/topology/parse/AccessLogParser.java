package io.meshpulse.topology.parse;

import io.meshpulse.model.Rfc3339;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Parses istio-proxy access-log lines (every Istio default TEXT layout since 1.0, and the JSON encoding in both
 * its all-strings and typed eras) into classified {@link AccessLogRecord}s.
 *
 * <p>{@link #parse(byte[], int, int)} reads a line straight from its UTF-8 bytes (the form it arrives in from a
 * file or a Kafka record): it scans the bytes once, parses numbers and the start time from them; what the
 * classifier needs from a cluster, details or flags value is worked out once per distinct value and cached by its
 * bytes. A plain Istio 1.9+ TEXT line (the common case) gives a record that keeps a private copy of the line and
 * decodes its free-text values (addresses, hosts, path, user agent, ...) only when they are read; other lines give
 * records with every value decoded.
 * {@link #parse(String)} encodes the line to UTF-8 and does the same; both give equal results for the same text.
 * Invalid UTF-8 reads as U+FFFD (as {@code new String(bytes, UTF_8)} would); a String holding an unpaired surrogate
 * reads as if it were {@code ?} there (as {@code String.getBytes(UTF_8)} encodes it).
 *
 * <p>{@link #parseView} is {@link #parse(byte[], int, int)} for a caller that reads each record before it changes
 * its buffer: the record reads the caller's bytes instead of a copy, and no result wrapper is made.
 *
 * <p>No method throws on bad input: each returns {@link ParseResult.Parsed} or a {@link ParseResult.Rejected}
 * with a short reason ({@link #parseView}: the record, or null and the reason from {@link #rejection()}). Other output of the istio-proxy container (istio-agent and Envoy's own log lines, in text
 * or JSON) is rejected with a reason that names it, so callers can count it separately from real damage.
 *
 * <p>The input is the content of one line with any container-runtime envelope already removed; a trailing
 * {@code \r}/{@code \n} is ignored. The layout is recognised from the shape of the line, never from
 * configuration.
 *
 * <p><b>Thread safety:</b> an instance is <em>not</em> thread-safe. It reuses a field draft, token position
 * arrays and its value caches (a few hundred KB at most) between calls. Use one instance per thread; the records it
 * returns are immutable and may be shared freely.
 */
public final class AccessLogParser {

    private static final int EXCERPT = 40;
    private static final String[] LOG_LEVELS = {
        "trace", "debug", "info", "warn", "warning", "error", "err", "critical", "fatal", "panic", "dpanic", "off",
    };

    private final TokenCache cache = new TokenCache();
    private final RecordDraft draft = new RecordDraft();
    private final Rfc3339Bytes times = new Rfc3339Bytes();
    private final TextLineParser text = new TextLineParser(cache, draft, times);
    private final JsonLineParser json = new JsonLineParser(cache, draft, times);
    /** False only in tests that compare the 1.9+ fast path with the general path. */
    boolean quickText = true;
    private String rejection;

    /**
     * Whether this JVM's parsers find the fields of a 1.9+ TEXT line from vector-built delimiter bitmaps (the JVM
     * runs with {@code --add-modules jdk.incubator.vector} on hardware with 256-bit vectors or wider, and
     * {@code -Dmeshpulse.parser.simd=false} is not set) rather than by scalar searches. Same results either way.
     */
    public static boolean usesVectorBitmaps() {
        return StructuralMasks.ENABLED;
    }

    /** Parses one line. Never throws; see the class comment. */
    public ParseResult parse(String line) {
        if (line == null) return new ParseResult.Rejected("empty line");
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        // the array is this call's own, so a lazy record may keep it instead of copying it
        return parse(bytes, 0, bytes.length, true);
    }

    /**
     * Parses the line held in {@code buf[off, off + len)} as UTF-8. The bytes are only read during the call. Never
     * throws on bad content; see the class comment.
     *
     * @throws IndexOutOfBoundsException when the range is not inside {@code buf}
     */
    public ParseResult parse(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        return parse(buf, off, len, false);
    }

    /**
     * Parses the line held in {@code buf[off, off + len)} as {@link #parse(byte[], int, int)} does, for a caller that
     * is done with each record before it changes its buffer (the topology reads a few values of each line and
     * moves on). The record is not copied out of the buffer and not wrapped: it is returned as is, or null when
     * the line is rejected, and then {@link #rejection()} says why.
     *
     * <p>The record may read {@code buf[off, off + len)} whenever it is asked for a free-text value (and from
     * {@code equals}, {@code hashCode} and {@code toString}), so the caller must not change those bytes while it, or
     * anything it handed the record to, still reads the record. Values read before the bytes change stay valid.
     * Otherwise the record is the one {@link #parse(byte[], int, int)} gives for the same line, equal to it. Never
     * throws on bad content.
     *
     * @throws IndexOutOfBoundsException when the range is not inside {@code buf}
     */
    public AccessLogRecord parseView(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        try {
            if (quickText) {
                AccessLogRecord quick = quickText(buf, off, off + len, true);
                if (quick != null) return quick;
            }
            String reason = parseInto(buf, off, off + len);
            if (reason == null) return draft.build();
            rejection = reason; // written only for rejected lines: nothing is stored into the parser per good line
            return null;
        } catch (RuntimeException e) {
            rejection = "parser error: " + e;
            return null;
        }
    }

    /** Why the last line {@link #parseView} returned null for was rejected (as {@link ParseResult.Rejected} says). */
    public String rejection() {
        return rejection;
    }

    /** {@code owned}: nobody writes {@code buf} while the record is read, so it may keep it (see {@link #quickText}). */
    private ParseResult parse(byte[] buf, int off, int len, boolean owned) {
        try {
            if (quickText) {
                AccessLogRecord quick = quickText(buf, off, off + len, owned);
                if (quick != null) return new ParseResult.Parsed(quick);
            }
            String reason = parseInto(buf, off, off + len);
            return reason == null ? new ParseResult.Parsed(draft.build()) : new ParseResult.Rejected(reason);
        } catch (RuntimeException e) {
            // A bug must cost one line, not the stream; the reason makes it visible in the dead-letter output.
            return new ParseResult.Rejected("parser error: " + e);
        }
    }

    /**
     * The common case first: a plain Istio 1.9+ TEXT line, read by {@link TextLineParser#layout19}. Null for
     * anything else, which {@link #parseInto} then reads exactly as it would have without this shortcut.
     */
    private AccessLogRecord quickText(byte[] b, int base, int limit, boolean owned) {
        int end = limit;
        while (end > base) {
            byte c = b[end - 1];
            if (c != '\n' && c != '\r' && c != ' ' && c != '\t') break;
            end--;
        }
        if (end - base < 21 || b[base] != '[' || mayBeEnvoyBracketLog(b, base, end)) return null;
        return text.layout19(b, base, end, owned);
    }

    private String parseInto(byte[] b, int base, int limit) {
        int end = limit;
        while (end > base) {
            byte c = b[end - 1];
            if (c != '\n' && c != '\r' && c != ' ' && c != '\t') break;
            end--;
        }
        int start = base;
        while (start < end && (b[start] == ' ' || b[start] == '\t')) start++;
        if (start == end) return "empty line";

        byte first = b[start];
        if (first == '[') {
            if (startsWith(b, start, end, EPOCH_PREFIX)) {
                // Istio up to 1.4: pilot-agent prefixed Envoy's own log lines with "[Envoy (Epoch N)] "
                String line = ByteText.string(b, start, end);
                int rest = line.indexOf("] ");
                String envoy = rest < 0 ? null : envoyBracketLog(line, rest + 2, line.length());
                return envoy != null ? envoy : "envoy proxy log";
            }
            if (mayBeEnvoyBracketLog(b, start, end)) {
                String line = ByteText.string(b, start, end);
                String envoy = envoyBracketLog(line, 0, line.length());
                if (envoy != null) return envoy;
            }
            String rejection = text.parse(b, start, end);
            if (rejection == null) return null;
            // Read only for a rejected line: Envoy's bracketed pattern with a time of another shape (a custom
            // --log-format, such as an ISO time) is still the proxy's own log, not a damaged access log.
            String envoy = envoyBracketLogAnyTime(ByteText.string(b, start, end));
            return envoy != null ? envoy : rejection;
        }
        if (first == '{') {
            return json.parse(b, base, start, end);
        }
        // Not an access log whatever follows: the checks below read the decoded text.
        return notAnAccessLog(ByteText.string(b, start, end));
    }

    private static final byte[] EPOCH_PREFIX = "[Envoy (Epoch ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean startsWith(byte[] b, int s, int e, byte[] prefix) {
        if (e - s < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (b[s + i] != prefix[i]) return false;
        }
        return true;
    }

    /**
     * False when the line surely fails {@link #envoyBracketLog}'s first test. The test reads chars 5, 11 and 14, which
     * are bytes 5, 11 and 14 when the bytes before them are ASCII; otherwise the decoded line has to tell.
     */
    private static boolean mayBeEnvoyBracketLog(byte[] b, int s, int e) {
        if (e - s < 21) return false; // fewer bytes than 21 means fewer chars than 21
        if (!ByteText.ascii16(b, s)) return true;
        return b[s + 11] == ' ' && b[s + 5] == '-' && b[s + 14] == ':';
    }

    private static String notAnAccessLog(String line) {
        int start = 0;
        int end = line.length();
        char first = line.charAt(start);
        if (first >= '0' && first <= '9') {
            String proxy = timestampedLog(line, start, end);
            if (proxy != null) return proxy;
        }
        if (looksBinary(line, start, end)) return "not an access log: binary data";
        return "not an access log: '" + excerpt(line, start, end) + "'";
    }

    /**
     * Envoy's own default log pattern, {@code [2024-05-02 10:12:33.456][21][warning][config] ...}: a bracketed
     * date with a space (access logs have a {@code T}), then thread and level in brackets.
     */
    private static String envoyBracketLog(String src, int s, int e) {
        if (e - s < 21 || src.charAt(s + 11) != ' ' || src.charAt(s + 5) != '-' || src.charAt(s + 14) != ':') return null;
        int[] ends = bracketEnds(src, s, e);
        return ends == null ? "envoy proxy log"
                : "envoy proxy log (" + excerpt(src.substring(ends[1] + 2, ends[2])) + ")";
    }

    private static final java.util.Set<String> ENVOY_LEVELS =
            java.util.Set.of("trace", "debug", "info", "warning", "warn", "error", "critical");

    /**
     * Envoy's bracketed pattern whatever the time looks like: {@code [<time>][<thread>][<level>]}, the time starting
     * with a digit, the thread all digits and the level one of Envoy's; null for anything else. An access log's
     * bracketed start time is followed by a space, never by another bracket.
     */
    static String envoyBracketLogAnyTime(String src) {
        if (src.length() < 2 || src.charAt(1) < '0' || src.charAt(1) > '9') return null;
        int[] ends = bracketEnds(src, 0, src.length());
        if (ends == null || ends[0] > 48 || ends[1] == ends[0] + 2) return null;
        for (int i = ends[0] + 2; i < ends[1]; i++) {
            if (src.charAt(i) < '0' || src.charAt(i) > '9') return null;
        }
        String level = src.substring(ends[1] + 2, ends[2]);
        return ENVOY_LEVELS.contains(level) ? "envoy proxy log (" + level + ")" : null;
    }

    /**
     * Where the three brackets of {@code [time][thread][level]} at {@code s} close, each opening right after the
     * one before; null when they do not follow each other.
     */
    private static int[] bracketEnds(String src, int s, int e) {
        int close = indexOf(src, ']', s + 1, e);
        if (close < 0 || close + 1 >= e || src.charAt(close + 1) != '[') return null;
        int threadEnd = indexOf(src, ']', close + 2, e);
        if (threadEnd < 0 || threadEnd + 1 >= e || src.charAt(threadEnd + 1) != '[') return null;
        int levelEnd = indexOf(src, ']', threadEnd + 2, e);
        return levelEnd < 0 ? null : new int[] {close, threadEnd, levelEnd};
    }

    /**
     * Lines that start with an RFC 3339 time: istio-agent (pilot-agent) logs {@code <ts>\t<level>\t<scope>\t<msg>},
     * and Envoy's logs as Istio formats them ({@code <ts>\t<level>\tenvoy <logger> ...}). A timestamp followed by
     * anything else is most likely a runtime envelope that was not removed.
     */
    private static String timestampedLog(String src, int s, int e) {
        int tsEnd = s;
        while (tsEnd < e && src.charAt(tsEnd) != ' ' && src.charAt(tsEnd) != '\t') tsEnd++;
        if (Rfc3339.parseMillis(src, s, tsEnd) == Rfc3339.INVALID) return null;
        int ls = skipBlank(src, tsEnd, e);
        int le = ls;
        while (le < e && src.charAt(le) != ' ' && src.charAt(le) != '\t') le++;
        for (String level : LOG_LEVELS) {
            if (level.length() == le - ls && src.regionMatches(true, ls, level, 0, le - ls)) {
                int scope = skipBlank(src, le, e);
                boolean envoy = src.startsWith("envoy", scope);
                return (envoy ? "envoy proxy log (" : "istio-agent log (") + level + ")";
            }
        }
        return "not an access log: line starts with a timestamp (runtime envelope not removed?)";
    }

    private static int skipBlank(String src, int p, int e) {
        while (p < e && (src.charAt(p) == ' ' || src.charAt(p) == '\t')) p++;
        return p;
    }

    private static int indexOf(String src, char c, int from, int e) {
        for (int i = from; i < e; i++) {
            if (src.charAt(i) == c) return i;
        }
        return -1;
    }

    private static boolean looksBinary(String src, int s, int e) {
        int limit = Math.min(e, s + 256);
        for (int i = s; i < limit; i++) {
            char c = src.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c == '\uFFFD') return true;
        }
        return false;
    }

    /** A short, printable excerpt of {@code s[start, end)} for rejection reasons. */
    static String excerpt(String s, int start, int end) {
        int stop = Math.min(end, start + EXCERPT);
        StringBuilder sb = new StringBuilder(stop - start + 3);
        for (int i = start; i < stop; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || c == '\uFFFD' ? '?' : c);
        }
        if (stop < end) sb.append("...");
        return sb.toString();
    }

    static String excerpt(String s) {
        return s == null ? null : excerpt(s, 0, s.length());
    }
}
