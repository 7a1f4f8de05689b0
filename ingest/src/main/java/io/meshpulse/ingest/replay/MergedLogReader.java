package io.meshpulse.ingest.replay;

import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.files.LogFileSet.ContainerLogFiles;
import io.meshpulse.ingest.framing.Frame;
import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.ingest.framing.NewlineReader;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Reads many container logs as one stream in write order: each log's files in sequence (rotated ones first),
 * envelopes removed and partial lines rejoined, the logs merged by the envelope's write time. Replaying in write
 * order is what lets event-time windows with a grace count a replay the way they count live traffic; a log
 * without envelope times keeps its own order and the time of its last timed line.
 *
 * <p>What cannot be a line to count goes to the dead letters, as {@code ingest tail} sends it: a physical line longer
 * than the cap ({@code oversize}, its first 64 KiB kept; a file whose tail is a run of NUL bytes after a crash is one),
 * a rejoined line longer than {@link LineFramer#DEFAULT_MAX_LINE_CHARS} ({@code oversize}) and a partial line whose
 * final chunk never came ({@code truncated}). A file that cannot be opened or read to its end (no permission, a
 * corrupt or cut gzip) is reported in {@link #fileErrors()} and the log goes on with its next file; whether a file is
 * gzipped is told by its first bytes, not its name.
 */
public final class MergedLogReader implements AutoCloseable {
    /** Longest physical line handed to the framer, as in {@code ingest tail}: the framer's cap plus 64 KiB. */
    public static final int MAX_PHYSICAL_LINE = LineFramer.DEFAULT_MAX_LINE_CHARS + 64 * 1024;

    /** Where dead letters go. */
    @FunctionalInterface
    public interface DeadLetters {
        /** @param key the input's key ({@code namespace/pod}); @param timeMillis the envelope's time, or -1 */
        void deadLetter(String key, DeadLetter deadLetter, long timeMillis);
    }

    private final PriorityQueue<Cursor> queue = new PriorityQueue<>(
            Comparator.comparingLong((Cursor c) -> c.headTime).thenComparingInt(c -> c.order));
    private final List<Cursor> all = new ArrayList<>();
    private final String node;
    private final DeadLetters deadLetters;
    private final List<String> fileErrors = new ArrayList<>();
    private long physicalLines;
    private long truncated;
    private long deadLettered;

    /** A reader whose dead letters are only counted ({@link #deadLettered()}). */
    public MergedLogReader(List<ContainerLogFiles> logs, String node) {
        this(logs, node, (key, dl, time) -> { });
    }

    public MergedLogReader(List<ContainerLogFiles> logs, String node, DeadLetters deadLetters) {
        this.node = node;
        this.deadLetters = deadLetters;
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

    /** Lines sent to the dead letters instead of being handed out (oversize, truncated). */
    public long deadLettered() {
        return deadLettered;
    }

    /** Files that could not be opened or read to their end, each with why; their logs went on with the next file. */
    public List<String> fileErrors() {
        return List.copyOf(fileErrors);
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
        long fileLines;
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
                    for (Frame rest = framer.flush(); rest != null; rest = framer.flush()) {
                        truncated++;
                        dead(rest.problem().startsWith("oversized") ? "oversize" : "truncated", rest.problem(),
                                rest.timeMillis(), rest.content());
                    }
                    return false;
                }
                String physical;
                try {
                    physical = reader.readLine();
                } catch (IOException e) {
                    fileErrors.add(origin.substring("file:".length()) + ": read failed after " + fileLines
                            + " lines, the rest of the file is not read: " + e);
                    closeFile();
                    continue;
                }
                if (physical == null) {
                    closeFile();
                    continue;
                }
                physicalLines++;
                fileLines++;
                if (reader.oversized()) {
                    dead("oversize", "oversize: physical line longer than " + MAX_PHYSICAL_LINE
                            + " bytes (first bytes kept)", -1, physical);
                    continue;
                }
                Frame f = framer.frame(physical, reader.lineBuffer(), reader.lineOffset(), reader.lineLength());
                if (f.kind() == Frame.Kind.PARTIAL) continue;
                if (f.problem() != null) {
                    dead(f.problem().startsWith("oversized") ? "oversize" : "truncated", f.problem(), f.timeMillis(),
                            f.content());
                    continue;
                }
                return emit(f);
            }
        }

        private void dead(String kind, String reason, long timeMillis, String content) {
            deadLettered++;
            DeadLetter dl = new DeadLetter(kind, reason, timeMillis >= 0 ? Times.rfc3339(timeMillis) : null,
                    log.namespace(), log.pod(), log.container(), origin, content);
            String key = (log.namespace() == null ? "-" : log.namespace()) + "/" + (log.pod() == null ? "-" : log.pod());
            deadLetters.deadLetter(key, dl, timeMillis);
        }

        private boolean emit(Frame f) {
            if (f.timeMillis() >= 0) lastTime = Math.max(lastTime, f.timeMillis());
            headTime = lastTime;
            String ts = f.timeMillis() >= 0 ? Times.rfc3339(f.timeMillis()) : null;
            head = new RawLogLine(ts, log.namespace(), log.pod(), log.container(), node, f.content(), origin);
            return true;
        }

        /** Opens the log's next file that can be opened; false when none is left. */
        private boolean openNext() {
            while (++fileIndex < log.files().size()) {
                Path p = log.files().get(fileIndex);
                try {
                    reader = new NewlineReader(LogFileSet.open(p), MAX_PHYSICAL_LINE, DeadLetter.MAX_LINE);
                    origin = "file:" + p;
                    fileLines = 0;
                    return true;
                } catch (IOException e) {
                    fileErrors.add(p + ": cannot be read, skipped: " + e);
                }
            }
            return false;
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
