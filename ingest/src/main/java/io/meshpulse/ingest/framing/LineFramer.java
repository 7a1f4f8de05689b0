package io.meshpulse.ingest.framing;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.model.Json;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Removes the envelope a line got on its way to disk and rejoins lines the runtime split:
 * <ul>
 *   <li>CRI ({@code <RFC3339Nano> <stdout|stderr> <F|P>[:…] <content>}): containerd and CRI-O split lines over
 *       16 KiB into {@code P} chunks closed by an {@code F} chunk; chunks are joined per stream;</li>
 *   <li>docker json-file ({@code {"log":"…\n","stream":…,"time":…}}): a chunk without the trailing newline
 *       continues in the next record;</li>
 *   <li>{@code kubectl logs --timestamps} ({@code <RFC3339Nano> <content>});</li>
 *   <li>anything else is taken as the bare line.</li>
 * </ul>
 * One instance per source (file or stream): it keeps the pending chunks.
 */
public final class LineFramer {
    public static final int DEFAULT_MAX_LINE = 1024 * 1024;

    private final int maxLine;
    private final StringBuilder[] pending = {new StringBuilder(), new StringBuilder()};
    private final long[] pendingTime = {-1, -1};
    private final String[] pendingEnvelope = new String[2];

    public LineFramer() {
        this(DEFAULT_MAX_LINE);
    }

    public LineFramer(int maxLine) {
        this.maxLine = maxLine;
    }

    public Frame frame(String line) {
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        if (line.startsWith("{\"log\":") || (line.startsWith("{") && line.contains("\"log\"") && line.contains("\"stream\""))) {
            Frame f = docker(line);
            if (f != null) return f;
        }
        int sp = line.indexOf(' ');
        if (sp >= 20 && sp <= 40 && Character.isDigit(line.charAt(0)) && line.charAt(4) == '-') {
            long t = time(line.substring(0, sp));
            if (t >= 0) {
                Frame f = cri(line, sp, t);
                if (f != null) return f;
                return new Frame(Frame.Kind.COMPLETE, line.substring(sp + 1), t, null, "kubectl-timestamps", false);
            }
        }
        return new Frame(Frame.Kind.COMPLETE, line, -1, null, "plain", false);
    }

    private Frame cri(String line, int sp, long t) {
        int s2 = line.indexOf(' ', sp + 1);
        if (s2 < 0) return null;
        String stream = line.substring(sp + 1, s2);
        int idx = stream.equals("stdout") ? 0 : stream.equals("stderr") ? 1 : -1;
        if (idx < 0) return null;
        int s3 = line.indexOf(' ', s2 + 1);
        String tag = s3 < 0 ? line.substring(s2 + 1) : line.substring(s2 + 1, s3);
        if (tag.isEmpty() || tag.charAt(0) < 'A' || tag.charAt(0) > 'Z' || (tag.length() > 1 && tag.charAt(1) != ':')) {
            return null;
        }
        String content = s3 < 0 ? "" : line.substring(s3 + 1);
        return chunk(idx, stream, content, t, "cri", tag.charAt(0) == 'P');
    }

    private Frame docker(String line) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (Exception e) {
            return null;
        }
        if (n == null || !n.has("log") || !n.has("stream") || !n.has("time")) return null;
        String log = n.get("log").asText();
        String stream = n.get("stream").asText();
        int idx = "stderr".equals(stream) ? 1 : 0;
        long t = time(n.get("time").asText());
        boolean partial = !log.endsWith("\n");
        if (!partial) log = log.substring(0, log.length() - 1);
        return chunk(idx, stream, log, t, "docker", partial);
    }

    private Frame chunk(int idx, String stream, String content, long t, String envelope, boolean partial) {
        StringBuilder buf = pending[idx];
        if (buf.length() == 0 && !partial) {
            return new Frame(Frame.Kind.COMPLETE, content, t, stream, envelope, false);
        }
        if (buf.length() == 0) pendingTime[idx] = t;
        pendingEnvelope[idx] = envelope;
        buf.append(content);
        if (buf.length() > maxLine) {
            // Give up on joining: emit what we have, marked, rather than buffer without bound.
            Frame f = new Frame(Frame.Kind.COMPLETE, buf.substring(0, maxLine), pendingTime[idx], stream, envelope, true);
            buf.setLength(0);
            return f;
        }
        if (partial) return new Frame(Frame.Kind.PARTIAL, null, t, stream, envelope, false);
        Frame f = new Frame(Frame.Kind.COMPLETE, buf.toString(), pendingTime[idx], stream, envelope, false);
        buf.setLength(0);
        return f;
    }

    /** At the end of input: a partial line that never got its final chunk, marked truncated; else null. */
    public Frame flush() {
        for (int i = 0; i < 2; i++) {
            if (pending[i].length() > 0) {
                Frame f = new Frame(Frame.Kind.COMPLETE, pending[i].toString(), pendingTime[i], i == 0 ? "stdout" : "stderr",
                        pendingEnvelope[i], true);
                pending[i].setLength(0);
                return f;
            }
        }
        return null;
    }

    /** Epoch millis of an RFC 3339 timestamp with any number of fractional digits; -1 when it is not one. */
    static long time(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
