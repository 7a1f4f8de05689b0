package io.meshpulse.ingest.framing;

import io.meshpulse.model.Rfc3339;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Removes the container-runtime envelope from each physical line of one log source (one file or one stream) and
 * rejoins lines the runtime split.
 *
 * <p>Envelopes, detected line by line:
 * <ul>
 *   <li>CRI (containerd, CRI-O): {@code <RFC3339Nano> <stdout|stderr> <tag> <content>}; tag {@code P} marks a
 *       partial chunk, {@code F} the last one, and tags may grow {@code :}-separated suffixes;</li>
 *   <li>docker json-file: {@code {"log":"...\n","stream":"stdout","time":"..."}}; a chunk whose {@code log} lacks
 *       the trailing newline is partial. Only objects with all three of {@code log}, {@code stream} and
 *       {@code time} count, so an Istio JSON access log (also a {@code {}} object) passes through as plain;</li>
 *   <li>Fluent Bit records of a CRI file, from its {@code cri} multiline parser
 *       ({@code {"time","stream","_p":"F"|"P","log"}}) or its classic {@code cri} parser
 *       ({@code {"time","stream","logtag","message"}}), other keys (its {@code kubernetes} map) ignored: the tag
 *       says whether the chunk is partial, since the parser has already cut the newline off;</li>
 *   <li>{@code kubectl logs --timestamps}: {@code <RFC3339Nano> <content>}, unless a log level follows the time
 *       (an istio-agent line whose tabs were turned into spaces: its time is its own, and it passes as plain);</li>
 *   <li>plain: anything else, passed through unchanged.</li>
 * </ul>
 *
 * <p>Partial chunks are buffered per stream, so stdout and stderr chunks may interleave. A rejoined line longer
 * than the cap is handed out at once as COMPLETE with a {@link Frame#problem()} and its first {@code cap}
 * characters; the rest of that line is skipped up to its final chunk. Memory per stream is thus bounded by the cap.
 *
 * <p>The runtime cuts a long line into 16 KiB CRI chunks by bytes, so a chunk can end inside a multi-byte UTF-8
 * character. Given a physical line's bytes ({@link #frame(String, byte[], int, int)}), the framer keeps the first
 * bytes of such a character back and puts them in front of the next chunk of the same stream before that chunk is
 * decoded, so the rejoined line is the original text. Bytes that are invalid UTF-8 whatever follows them still read
 * as U+FFFD, as does a cut character whose line never ends. Docker json-file and Fluent Bit lines are JSON strings
 * already: a character cut there was replaced before meshpulse reads it.
 *
 * <p>Not thread-safe: one instance per source.
 */
public final class LineFramer {

    /** Default cap on a rejoined line: 1 MiB of characters. */
    public static final int DEFAULT_MAX_LINE_CHARS = 1 << 20;

    private static final JsonFactory JSON = new JsonFactory();

    private final int maxLineChars;
    private final Map<String, Pending> pending = new HashMap<>(4);
    /** Streams in the order their partial line started, so {@link #flush()} hands them out oldest first. */
    private final Deque<String> pendingOrder = new ArrayDeque<>(2);

    public LineFramer() {
        this(DEFAULT_MAX_LINE_CHARS);
    }

    public LineFramer(int maxLineChars) {
        if (maxLineChars < 1) throw new IllegalArgumentException("maxLineChars must be positive: " + maxLineChars);
        this.maxLineChars = maxLineChars;
    }

    /** A line being rejoined on one stream. */
    private static final class Pending {
        final StringBuilder text = new StringBuilder();
        final long timeMillis;
        final String envelope;
        boolean skipping; // already handed out as oversized; drop chunks until the line ends
        /** The first bytes of a character the last chunk ended inside of, for the next chunk; null when none. */
        byte[] carry;

        Pending(long timeMillis, String envelope) {
            this.timeMillis = timeMillis;
            this.envelope = envelope;
        }
    }

    /**
     * Frames one physical line given as bytes (without its trailing newline): as {@link #frame(String, byte[], int,
     * int)} with the bytes decoded as UTF-8.
     */
    public Frame frame(byte[] b, int off, int len) {
        return frame(new String(b, off, len, StandardCharsets.UTF_8), b, off, len);
    }

    /**
     * Frames one physical line: {@code decoded} is {@code b[off, off + len)} decoded as UTF-8 (the caller has it
     * already). The bytes matter only for a CRI chunk that ends inside a multi-byte character or continues one; for
     * any other line this is {@link #frame(String)} of {@code decoded}.
     */
    public Frame frame(String decoded, byte[] b, int off, int len) {
        int tail = unfinishedTail(b, off, off + len);
        if (tail == 0 && !carrying()) return frame(decoded);
        return frameCarrying(decoded, b, off, len);
    }

    /**
     * Frames one physical line (without its trailing newline; a trailing {@code \r} is dropped). A CRI chunk cut
     * inside a multi-byte character reaches here with the character already replaced by U+FFFD: callers that read
     * bytes use {@link #frame(String, byte[], int, int)}.
     */
    public Frame frame(String physicalLine) {
        String line = trimmed(physicalLine);
        if (!line.isEmpty()) {
            char first = line.charAt(0);
            if (first >= '0' && first <= '9') {
                Frame f = timestamped(line);
                if (f != null) return f;
            } else if (first == '{' && (line.contains("\"log\"") || line.contains("\"message\""))
                    && line.contains("\"stream\"") && line.contains("\"time\"")) {
                Frame f = docker(line);
                if (f != null) return f;
            }
        }
        return whole(line, -1, null, Frame.PLAIN);
    }

    /** The line without a trailing {@code \r} or a leading byte-order mark (a file saved by an editor, a log exported on Windows). */
    private static String trimmed(String physicalLine) {
        String line = physicalLine == null ? "" : physicalLine;
        if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') line = line.substring(0, line.length() - 1);
        if (!line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1);
        return line;
    }

    /** True when a stream's partial line holds the start of a character back for its next chunk. */
    private boolean carrying() {
        if (pending.isEmpty()) return false;
        for (Pending p : pending.values()) if (p.carry != null) return true;
        return false;
    }

    /**
     * The slow way of {@link #frame(String, byte[], int, int)}: the line ends inside a character, or a stream holds
     * bytes back. A CRI chunk of a stream that holds bytes back is decoded with them
     * in front; a partial CRI chunk whose content ends inside a character keeps those bytes back for the next chunk.
     * Anything else is framed as {@code decoded}.
     */
    private Frame frameCarrying(String decoded, byte[] b, int off, int len) {
        String line = trimmed(decoded);
        if (line.isEmpty() || line.charAt(0) < '0' || line.charAt(0) > '9') return frame(decoded);
        CriHead h = criHead(line);
        if (h == null) return frame(decoded);
        int end = off + len;
        if (b[end - 1] == '\r') end--; // as frame(String) drops it
        int from = off;
        for (int spaces = 0; from < end && spaces < 3; from++) if (b[from] == ' ') spaces++;
        // the content: the bytes held back from the stream's last chunk, then this chunk's after the envelope
        Pending p = pending.get(h.stream);
        byte[] carried = p == null || p.skipping ? null : p.carry;
        int n = (carried == null ? 0 : carried.length) + Math.max(0, end - from);
        byte[] content = new byte[n];
        if (carried != null) System.arraycopy(carried, 0, content, 0, carried.length);
        if (end > from) System.arraycopy(b, from, content, n - (end - from), end - from);
        int keep = h.partial ? unfinishedTail(content, 0, n) : 0;
        if (carried == null && keep == 0) return frame(decoded); // the cut character was in the envelope
        if (p != null) p.carry = null;
        Frame f = chunk(new String(content, 0, n - keep, StandardCharsets.UTF_8), h.partial, h.time, h.stream,
                Frame.CRI);
        if (keep > 0) {
            Pending q = pending.get(h.stream);
            if (q != null && !q.skipping) q.carry = Arrays.copyOfRange(content, n - keep, n);
        }
        return f;
    }

    /**
     * How many bytes at the end of {@code b[off, end)} are the start of a UTF-8 character that bytes after
     * {@code end} could finish: 1 to 3, or 0 when the bytes end on a character boundary, or end in bytes that are
     * invalid whatever follows them (those read as U+FFFD wherever they are decoded).
     */
    static int unfinishedTail(byte[] b, int off, int end) {
        if (end <= off || b[end - 1] >= 0) return 0; // ends in ASCII: the common case
        int i = end - 1;
        while (i > off && end - i < 4 && (b[i] & 0xC0) == 0x80) i--;
        int lead = b[i] & 0xFF;
        int need = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
        int have = end - i;
        if (need == 0 || have >= need) return 0; // a whole character, or no lead byte where one must be
        if (have >= 2) {
            // after E0, ED, F0 and F4 the second byte's range is narrower (no overlong forms, surrogates or
            // code points past U+10FFFF): outside it the bytes are invalid already
            int second = b[i + 1] & 0xFF;
            int lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
            int hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
            if (second < lo || second > hi) return 0;
        }
        return have;
    }

    /**
     * True while a partial line waits for its final chunk (or the rest of an oversized line is being skipped):
     * the source's position is then inside a logical line, so it is not a place to resume from.
     */
    public boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * At end of input: the oldest line still waiting for its final chunk, as COMPLETE with a "truncated"
     * problem, or null when nothing is pending. Call until it returns null.
     */
    public Frame flush() {
        while (!pendingOrder.isEmpty()) {
            String stream = pendingOrder.pollFirst();
            Pending p = pending.remove(stream);
            if (p == null || p.skipping) continue;
            // a character the last chunk ended inside of was never finished: its bytes read as U+FFFD
            if (p.carry != null) p.text.append(new String(p.carry, StandardCharsets.UTF_8));
            return new Frame(Frame.Kind.COMPLETE, p.text.toString(), p.timeMillis, stream, p.envelope,
                    "truncated: input ended inside a partial line (" + p.text.length() + " chars)");
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ envelopes

    /** CRI or kubectl --timestamps; null when the line does not start with an RFC 3339 time and a space. */
    private Frame timestamped(String line) {
        CriHead h = criHead(line);
        if (h != null) {
            String content = h.contentStart >= line.length() ? "" : line.substring(h.contentStart);
            return chunk(content, h.partial, h.time, h.stream, Frame.CRI);
        }
        int tsEnd = line.indexOf(' ');
        if (tsEnd < 0) return null;
        long time = Rfc3339.parseMillis(line, 0, tsEnd);
        if (time == Rfc3339.INVALID) return null;
        // An istio-agent line whose tabs became spaces (copied from a terminal) reads "<time>  <level>  ...": that
        // time is the line's own, not kubectl's, and cutting it off would leave the parser a headless fragment.
        if (levelFollows(line, tsEnd)) return null;
        return whole(line.substring(tsEnd + 1), time, null, Frame.KUBECTL_TIMESTAMPS);
    }

    /** The levels istio-agent and Envoy print after their time (lower case there; any case matches). */
    private static final String[] AGENT_LEVELS = {"trace", "debug", "info", "warn", "warning", "error", "critical", "fatal"};

    /** True when blanks from {@code p} are followed by a log level word and a blank. */
    private static boolean levelFollows(String line, int p) {
        int n = line.length();
        while (p < n && (line.charAt(p) == ' ' || line.charAt(p) == '\t')) p++;
        int e = p;
        while (e < n && line.charAt(e) != ' ' && line.charAt(e) != '\t') e++;
        if (e == n) return false;
        for (String level : AGENT_LEVELS) {
            if (level.length() == e - p && line.regionMatches(true, p, level, 0, e - p)) return true;
        }
        return false;
    }

    /** A CRI envelope: its time, stream, whether the chunk is partial, and where the content starts in the line. */
    private record CriHead(long time, String stream, boolean partial, int contentStart) {}

    /** The CRI envelope that starts {@code line}, or null when it has none. */
    private static CriHead criHead(String line) {
        int tsEnd = line.indexOf(' ');
        if (tsEnd < 0) return null;
        int streamEnd = line.indexOf(' ', tsEnd + 1);
        String stream = streamEnd < 0 ? null : streamName(line, tsEnd + 1, streamEnd);
        if (stream == null) return null;
        int tagEnd = line.indexOf(' ', streamEnd + 1);
        if (tagEnd < 0) tagEnd = line.length();
        if (!isCriTag(line, streamEnd + 1, tagEnd)) return null;
        long time = Rfc3339.parseMillis(line, 0, tsEnd);
        if (time == Rfc3339.INVALID) return null;
        return new CriHead(time, stream, line.charAt(streamEnd + 1) == 'P', tagEnd + 1);
    }

    private static String streamName(String line, int from, int to) {
        if (line.startsWith("stdout", from) && to - from == 6) return "stdout";
        if (line.startsWith("stderr", from) && to - from == 6) return "stderr";
        return null;
    }

    /** A CRI tag: one upper-case letter, optionally followed by {@code :} and more. */
    private static boolean isCriTag(String line, int from, int to) {
        if (to <= from) return false;
        char c = line.charAt(from);
        if (c < 'A' || c > 'Z') return false;
        return to - from == 1 || line.charAt(from + 1) == ':';
    }

    /**
     * Docker json-file or a Fluent Bit record of a CRI file; null when the object lacks a time, a stream and a
     * line (with its tag, for Fluent Bit) or is not valid JSON.
     */
    private Frame docker(String line) {
        String log = null;
        String stream = null;
        String time = null;
        String tag = null; // Fluent Bit's CRI tag: "_p" beside "log", or "logtag" beside "message"
        String message = null;
        String logtag = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (v == JsonToken.VALUE_STRING) {
                    switch (name) {
                        case "log" -> log = p.getText();
                        case "stream" -> stream = p.getText();
                        case "time" -> time = p.getText();
                        case "_p" -> tag = p.getText();
                        case "message" -> message = p.getText();
                        case "logtag" -> logtag = p.getText();
                        default -> { }
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) return null;
        } catch (IOException e) {
            return null; // not JSON after all: the caller passes the line through as plain
        }
        if (log == null && message != null && logtag != null) {
            log = message;
            tag = logtag;
        }
        if (log == null || stream == null || time == null) return null;
        long millis = Rfc3339.parseMillis(time, 0, time.length());
        if (millis == Rfc3339.INVALID) millis = -1;
        if (tag != null && !tag.isEmpty()) {
            // Fluent Bit: the CRI tag decides (P partial, F and the rest final); the newline is already gone
            boolean partial = tag.charAt(0) == 'P';
            String content = log.endsWith("\n") ? log.substring(0, log.length() - 1) : log;
            return chunk(content, partial, millis, stream, Frame.FLUENT_BIT);
        }
        boolean partial = !log.endsWith("\n");
        String content = partial ? log : log.substring(0, log.length() - (log.endsWith("\r\n") ? 2 : 1));
        return chunk(content, partial, millis, stream, Frame.DOCKER);
    }

    // ---------------------------------------------------------------------------------------------- rejoining

    private Frame chunk(String content, boolean partial, long time, String stream, String envelope) {
        Pending p = pending.get(stream);
        if (p == null) {
            if (!partial) return whole(content, time, stream, envelope);
            p = new Pending(time, envelope);
            pending.put(stream, p);
            pendingOrder.addLast(stream);
        }
        if (p.skipping) {
            if (!partial) end(stream);
            return new Frame(Frame.Kind.PARTIAL, null, p.timeMillis, stream, envelope, null);
        }
        int room = maxLineChars - p.text.length();
        if (content.length() > room) {
            p.text.append(content, 0, room);
            String text = p.text.toString();
            if (partial) {
                p.skipping = true;
                p.text.setLength(0);
            } else {
                end(stream);
            }
            return new Frame(Frame.Kind.COMPLETE, text, p.timeMillis, stream, p.envelope, oversized());
        }
        p.text.append(content);
        if (partial) return new Frame(Frame.Kind.PARTIAL, null, p.timeMillis, stream, envelope, null);
        end(stream);
        return new Frame(Frame.Kind.COMPLETE, p.text.toString(), p.timeMillis, stream, p.envelope, null);
    }

    private void end(String stream) {
        pending.remove(stream);
        pendingOrder.remove(stream);
    }

    private Frame whole(String content, long time, String stream, String envelope) {
        if (content.length() > maxLineChars) {
            return new Frame(Frame.Kind.COMPLETE, content.substring(0, maxLineChars), time, stream, envelope,
                    oversized());
        }
        return new Frame(Frame.Kind.COMPLETE, content, time, stream, envelope, null);
    }

    private String oversized() {
        return "oversized: line exceeds " + maxLineChars + " chars (content cut at the cap)";
    }
}
