package io.meshpulse.topology.parse.legacy;

import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.Direction;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.LogFormat;
import io.meshpulse.topology.parse.ParseResult;

import io.meshpulse.model.Rfc3339;

/**
 * <b>Test oracle, not production code:</b> the String-based parser as it was before the byte-level rewrite, kept
 * verbatim (only renamed) so that {@code AccessLogParserBytesTest} can check the new parser gives equal results on
 * every line. Do not change it to make a test pass; change it only if the intended behaviour changes.
 *
 * <p>Parses istio-proxy access-log lines (every Istio default TEXT layout since 1.0, and the JSON encoding in both
 * its all-strings and typed eras) into classified {@link AccessLogRecord}s.
 *
 * <p>{@link #parse(String)} never throws: it returns {@link ParseResult.Parsed} or a {@link ParseResult.Rejected}
 * with a short reason. Other output of the istio-proxy container (istio-agent and Envoy's own log lines, in text
 * or JSON) is rejected with a reason that names it, so callers can count it separately from real damage.
 *
 * <p>The input is the content of one line with any container-runtime envelope already removed; a trailing
 * {@code \r}/{@code \n} is ignored. The layout is recognised from the shape of the line, never from
 * configuration.
 *
 * <p><b>Thread safety:</b> an instance is <em>not</em> thread-safe. It reuses a field draft, token position
 * arrays and a small cache of multi-flag lists between calls. Use one instance per thread (they are cheap); the records it
 * returns are immutable and may be shared freely.
 */
public final class LegacyAccessLogParser {

    private static final int EXCERPT = 40;
    private static final String[] LOG_LEVELS = {
        "trace", "debug", "info", "warn", "warning", "error", "err", "critical", "fatal", "panic", "dpanic", "off",
    };

    private final LegacyTokenCache cache = new LegacyTokenCache();
    private final LegacyRecordDraft draft = new LegacyRecordDraft();
    private final LegacyTextLineParser text = new LegacyTextLineParser(cache, draft);
    private final LegacyJsonLineParser json = new LegacyJsonLineParser(cache, draft);

    /** Parses one line. Never throws; see the class comment. */
    public ParseResult parse(String line) {
        try {
            String reason = parseInto(line);
            return reason == null ? new ParseResult.Parsed(draft.build()) : new ParseResult.Rejected(reason);
        } catch (RuntimeException e) {
            // A bug must cost one line, not the stream; the reason makes it visible in the dead-letter output.
            return new ParseResult.Rejected("parser error: " + e);
        }
    }

    private String parseInto(String line) {
        if (line == null) return "empty line";
        int end = line.length();
        while (end > 0) {
            char c = line.charAt(end - 1);
            if (c != '\n' && c != '\r' && c != ' ' && c != '\t') break;
            end--;
        }
        int start = 0;
        while (start < end && (line.charAt(start) == ' ' || line.charAt(start) == '\t')) start++;
        if (start == end) return "empty line";

        char first = line.charAt(start);
        if (first == '[') {
            if (line.startsWith("[Envoy (Epoch ", start)) { // session 11, as AccessLogParser
                int rest = line.indexOf("] ", start);
                String envoy = rest < 0 || rest + 2 > end ? null : envoyBracketLog(line, rest + 2, end);
                return envoy != null ? envoy : "envoy proxy log";
            }
            String envoy = envoyBracketLog(line, start, end);
            if (envoy != null) return envoy;
            String rejection = text.parse(line, start, end);
            if (rejection == null) return null;
            // session 23, as AccessLogParser: Envoy's bracketed pattern with a time of any shape
            java.util.regex.Matcher m = ENVOY_ANY_TIME.matcher(line.substring(start, end));
            return m.lookingAt() ? "envoy proxy log (" + m.group(1) + ")" : rejection;
        }
        if (first == '{') {
            return json.parse(line, start, end);
        }
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
    private static final java.util.regex.Pattern ENVOY_ANY_TIME = java.util.regex.Pattern.compile(
            "\\[[0-9][^\\]]{0,46}\\]\\[[0-9]+\\]\\[(trace|debug|info|warning|warn|error|critical)\\]");

    private static String envoyBracketLog(String src, int s, int e) {
        if (e - s < 21 || src.charAt(s + 11) != ' ' || src.charAt(s + 5) != '-' || src.charAt(s + 14) != ':') return null;
        int close = indexOf(src, ']', s + 1, e);
        if (close < 0 || close + 1 >= e || src.charAt(close + 1) != '[') return "envoy proxy log";
        int threadEnd = indexOf(src, ']', close + 2, e);
        if (threadEnd < 0 || threadEnd + 1 >= e || src.charAt(threadEnd + 1) != '[') return "envoy proxy log";
        int levelEnd = indexOf(src, ']', threadEnd + 2, e);
        if (levelEnd < 0) return "envoy proxy log";
        return "envoy proxy log (" + excerpt(src.substring(threadEnd + 2, levelEnd)) + ")";
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
