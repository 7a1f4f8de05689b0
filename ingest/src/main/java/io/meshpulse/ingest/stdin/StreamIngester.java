package io.meshpulse.ingest.stdin;

import io.meshpulse.ingest.framing.Frame;
import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container's log as a byte stream ({@code kubectl logs -f … -c istio-proxy}, with or without
 * {@code --timestamps}, or a kubelet file piped in): envelopes removed, CRI partials rejoined, each line handed to
 * an {@link Output}. A physical line is held up to a cap; longer ones, NUL-holding binary lines and a partial line
 * cut by the end of input go to the dead-letter output with their reason. At the end of input whatever the framer
 * still holds is handed out.
 */
public final class StreamIngester {
    private static final Logger LOG = LoggerFactory.getLogger(StreamIngester.class);

    /** Where lines go. */
    public interface Output {
        void line(RawLogLine line, long timestampMillis);

        void deadLetter(String key, DeadLetter deadLetter, long timestampMillis);
    }

    /** Counts of one run. */
    public record Result(long linesRead, long produced, long deadLettered) {}

    private final String namespace;
    private final String pod;
    private final String container;
    private final String node;
    private final String origin;
    private final LineFramer framer;
    private final int physicalCap;
    private final Counter read;
    private final Counter produced;
    private final MeterRegistry registry;
    private long nRead;
    private long nProduced;
    private long nDead;
    private final java.util.Set<String> logged = new java.util.HashSet<>();

    public StreamIngester(String namespace, String pod, String container, String node, String origin,
                          int maxLineChars, MeterRegistry registry) {
        this.namespace = namespace;
        this.pod = pod;
        this.container = container;
        this.node = node;
        this.origin = origin;
        this.framer = new LineFramer(maxLineChars);
        this.physicalCap = maxLineChars + 64 * 1024;
        this.registry = registry;
        this.read = Counter.builder("meshpulse.ingest.lines.read").tag("source", "stdin")
                .description("Physical lines read").register(registry);
        this.produced = Counter.builder("meshpulse.ingest.lines.produced").tag("source", "stdin")
                .description("Logical lines sent to the raw topic").register(registry);
    }

    /** Reads {@code in} to its end. */
    public Result run(InputStream in, Output out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        boolean skipping = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') continue;
                if (skipping) {
                    skipping = false;
                } else {
                    line.write(buf, start, i - start);
                    physical(line.toByteArray(), out);
                }
                nRead++;
                read.increment();
                line.reset();
                start = i + 1;
            }
            if (!skipping) {
                line.write(buf, start, n - start);
                if (line.size() > physicalCap) {
                    byte[] head = line.toByteArray();
                    dead(out, "oversize", "oversize", "oversize: physical line longer than " + physicalCap + " bytes",
                            -1, new String(head, 0, Math.min(head.length, DeadLetter.MAX_LINE), StandardCharsets.UTF_8));
                    line.reset();
                    skipping = true;
                }
            }
        }
        if (!skipping && line.size() > 0) { // the last line had no newline: it ended with the input
            nRead++;
            read.increment();
            physical(line.toByteArray(), out);
        }
        for (Frame f = framer.flush(); f != null; f = framer.flush()) emit(f, out);
        return new Result(nRead, nProduced, nDead);
    }

    private void physical(byte[] bytes, Output out) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (s.indexOf('\0') >= 0) {
            dead(out, "binary", "malformed", "binary data: the line holds NUL bytes", -1, s);
            return;
        }
        Frame f = framer.frame(s, bytes, 0, bytes.length);
        if (f.kind() == Frame.Kind.COMPLETE) emit(f, out);
    }

    private void emit(Frame f, Output out) {
        long ts = f.timeMillis();
        if (f.problem() != null) {
            String reason = f.problem().startsWith("oversized") ? "oversize" : "truncated";
            dead(out, reason, reason, f.problem(), ts, f.content());
            return;
        }
        out.line(new RawLogLine(ts >= 0 ? Times.rfc3339(ts) : null, namespace, pod, container, node, f.content(), origin),
                ts >= 0 ? ts : System.currentTimeMillis());
        nProduced++;
        produced.increment();
    }

    private void dead(Output out, String counterReason, String kind, String reason, long ts, String content) {
        if (logged.add(counterReason)) {
            LOG.warn("{}: {} (sent to the dead-letter topic; further such lines are only counted)", origin, reason);
        }
        Counter.builder("meshpulse.ingest.lines.skipped").tag("source", "stdin").tag("reason", counterReason)
                .description("Lines sent to the dead-letter topic instead of the raw topic").register(registry)
                .increment();
        nDead++;
        String key = (namespace == null ? "-" : namespace) + "/" + (pod == null ? "-" : pod);
        out.deadLetter(key, new DeadLetter(kind, reason, ts >= 0 ? Times.rfc3339(ts) : null, namespace, pod, container,
                origin, content), ts >= 0 ? ts : System.currentTimeMillis());
    }
}
