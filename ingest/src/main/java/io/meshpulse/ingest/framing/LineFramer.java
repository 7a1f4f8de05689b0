package io.meshpulse.ingest.framing;

import io.meshpulse.model.Rfc3339;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayDeque;
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
 *   <li>{@code kubectl logs --timestamps}: {@code <RFC3339Nano> <content>};</li>
 *   <li>plain: anything else, passed through unchanged.</li>
 * </ul>
 *
 * <p>Partial chunks are buffered per stream, so stdout and stderr chunks may interleave. A rejoined line longer
 * than the cap is handed out at once as COMPLETE with a {@link Frame#problem()} and its first {@code cap}
 * characters; the rest of that line is skipped up to its final chunk. Memory per stream is thus bounded by the cap.
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

        Pending(long timeMillis, String envelope) {
            this.timeMillis = timeMillis;
            this.envelope = envelope;
        }
    }

    /** Frames one physical line (without its trailing newline; a trailing {@code \r} is dropped). */
    public Frame frame(String physicalLine) {
        String line = physicalLine == null ? "" : physicalLine;
        if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') line = line.substring(0, line.length() - 1);
        // a byte-order mark (a file saved by an editor, a log exported on Windows) starts the first line
        if (!line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1);
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
            return new Frame(Frame.Kind.COMPLETE, p.text.toString(), p.timeMillis, stream, p.envelope,
                    "truncated: input ended inside a partial line (" + p.text.length() + " chars)");
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ envelopes

    /** CRI or kubectl --timestamps; null when the line does not start with an RFC 3339 time and a space. */
    private Frame timestamped(String line) {
        int tsEnd = line.indexOf(' ');
        if (tsEnd < 0) return null;
        long time = Rfc3339.parseMillis(line, 0, tsEnd);
        if (time == Rfc3339.INVALID) return null;
        int streamEnd = line.indexOf(' ', tsEnd + 1);
        String stream = streamEnd < 0 ? null : streamName(line, tsEnd + 1, streamEnd);
        if (stream != null) {
            int tagEnd = line.indexOf(' ', streamEnd + 1);
            if (tagEnd < 0) tagEnd = line.length();
            if (isCriTag(line, streamEnd + 1, tagEnd)) {
                String content = tagEnd >= line.length() ? "" : line.substring(tagEnd + 1);
                boolean partial = line.charAt(streamEnd + 1) == 'P';
                return chunk(content, partial, time, stream, Frame.CRI);
            }
        }
        return whole(line.substring(tsEnd + 1), time, null, Frame.KUBECTL_TIMESTAMPS);
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
