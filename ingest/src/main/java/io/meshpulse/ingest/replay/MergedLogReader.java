package io.meshpulse.ingest.replay;

import io.meshpulse.ingest.files.LogFileSet.ContainerLogFiles;
import io.meshpulse.ingest.framing.Frame;
import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.ingest.framing.NewlineReader;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.zip.GZIPInputStream;

/**
 * Reads many container logs as one stream in write order: each log's files in sequence (rotated ones first),
 * envelopes removed and partial lines rejoined, the logs merged by the envelope's write time. Replaying in write
 * order is what lets event-time windows with a grace count a replay the way they count live traffic; a log
 * without envelope times keeps its own order and the time of its last timed line.
 */
public final class MergedLogReader implements AutoCloseable {
    private final PriorityQueue<Cursor> queue = new PriorityQueue<>(
            Comparator.comparingLong((Cursor c) -> c.headTime).thenComparingInt(c -> c.order));
    private final List<Cursor> all = new ArrayList<>();
    private final String node;
    private long physicalLines;
    private long truncated;

    public MergedLogReader(List<ContainerLogFiles> logs, String node) {
        this.node = node;
        int order = 0;
        for (ContainerLogFiles log : logs) {
            Cursor c = new Cursor(log, order++);
            all.add(c);
            if (c.advance()) queue.add(c);
        }
    }

    /** The next line in write order, or null when every log is exhausted. */
    public RawLogLine next() {
        Cursor c = queue.poll();
        if (c == null) return null;
        RawLogLine line = c.head;
        if (c.advance()) queue.add(c);
        return line;
    }

    /** Lines as they are in the files, before partials are joined. */
    public long physicalLines() {
        return physicalLines;
    }

    /** Lines cut short: a partial with no final chunk at the end of a log. */
    public long truncatedLines() {
        return truncated;
    }

    @Override
    public void close() {
        for (Cursor c : all) c.closeFile();
    }

    private final class Cursor {
        final ContainerLogFiles log;
        final int order;
        final LineFramer framer = new LineFramer();
        int fileIndex = -1;
        NewlineReader reader;
        String origin;
        RawLogLine head;
        long headTime = Long.MIN_VALUE;
        long lastTime = Long.MIN_VALUE;

        Cursor(ContainerLogFiles log, int order) {
            this.log = log;
            this.order = order;
        }

        /** Moves to the next complete line; false at the end of the log. */
        boolean advance() {
            while (true) {
                if (reader == null && !openNext()) {
                    Frame rest = framer.flush();
                    if (rest != null) {
                        truncated++;
                        return emit(rest);
                    }
                    return false;
                }
                String physical;
                try {
                    physical = reader.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + origin, e);
                }
                if (physical == null) {
                    closeFile();
                    continue;
                }
                physicalLines++;
                Frame f = framer.frame(physical, reader.lineBuffer(), reader.lineOffset(), reader.lineLength());
                if (f.kind() == Frame.Kind.PARTIAL) continue;
                return emit(f);
            }
        }

        private boolean emit(Frame f) {
            if (f.timeMillis() >= 0) lastTime = Math.max(lastTime, f.timeMillis());
            headTime = lastTime;
            String ts = f.timeMillis() >= 0 ? Times.rfc3339(f.timeMillis()) : null;
            head = new RawLogLine(ts, log.namespace(), log.pod(), log.container(), node, f.content(), origin);
            return true;
        }

        private boolean openNext() {
            if (++fileIndex >= log.files().size()) return false;
            Path p = log.files().get(fileIndex);
            try {
                InputStream in = Files.newInputStream(p);
                if (p.toString().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
                reader = new NewlineReader(in);
                origin = "file:" + p;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + p, e);
            }
        }

        void closeFile() {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    // nothing left to read from it
                }
                reader = null;
            }
        }
    }
}
