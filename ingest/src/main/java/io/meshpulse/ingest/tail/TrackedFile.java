package io.meshpulse.ingest.tail;

import io.meshpulse.ingest.files.KubeletPath;
import io.meshpulse.ingest.framing.LineFramer;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One file being followed, by inode: the open channel survives renames and deletion (and the kubelet compressing
 * a rotated file, which removes the original once its gzipped copy is in place). Used by one thread.
 */
final class TrackedFile {
    final FileKey key;
    final KubeletPath who;
    final String origin;
    /** The container's folder: rotations rename a file within it. */
    final Path dir;
    Path path;
    LogSource source;
    LineFramer framer;
    /** Gzipped copies of this file seen while it was being read: finished together with it, never read. */
    final List<Copy> copies = new ArrayList<>(1);

    int fpLen;
    long fpCrc;

    /** Next byte to look at: after the last newline consumed (or inside an oversized line being skipped). */
    long readPos;
    /** The last position where no logical line was open; with {@link #sinceClean}, what a checkpoint holds. */
    long cleanOffset;
    int sinceClean;
    /** Lines still to drop after a restart (they were committed before it). */
    int toSkip;
    boolean skippingOversize;
    /**
     * Where reading last stopped early, and the write time of the line there (exact when it was held back for an
     * older line of another file; a lower bound, the last line's time, when the byte budget ran out); -1 when it
     * did not stop early.
     */
    long heldPos = -1;
    long heldTime;
    /** Whether the last read stopped before a line that waits for older lines of another file. */
    boolean held;
    /** The time of the last line read that had one (Long.MIN_VALUE before). */
    long lastTime = Long.MIN_VALUE;
    /** This pass's time of the next unread line (FileTailer.order). */
    long nextTime;
    /** Whether the next line's time was read ahead once (see FileTailer.nextLineTime). */
    boolean peeked;

    boolean rotated;
    boolean done;
    boolean dirty;
    long size;
    long lastChangeNanos;
    volatile long behind;
    Gauge behindGauge;
    private final Set<String> logged = new HashSet<>(2);

    TrackedFile(FileKey key, KubeletPath who, Path path, LogSource source, int maxLineChars) {
        this.key = key;
        this.who = who;
        this.path = path;
        this.dir = path.getParent();
        this.origin = "file:" + path;
        this.source = source;
        this.framer = new LineFramer(maxLineChars);
    }

    /** Starts over from byte 0 (a copytruncate, or content that changed under us). */
    void restartAtZero(int maxLineChars) {
        readPos = 0;
        cleanOffset = 0;
        sinceClean = 0;
        toSkip = 0;
        skippingOversize = false;
        heldPos = -1;
        framer = new LineFramer(maxLineChars);
        fpLen = 0;
        fpCrc = 0;
        dirty = true;
    }

    /** True the first time a given kind of problem is seen on this file: one log message per file and kind. */
    boolean firstTime(String problem) {
        return logged.add(problem);
    }

    Checkpoint checkpoint(String node, long followingSince, long now) {
        return new Checkpoint(node, path.toString(), key.dev(), key.ino(), fpLen, fpCrc, cleanOffset, sinceClean, done,
                followingSince, now);
    }

    void close() {
        if (source != null) {
            source.close();
            source = null;
        }
    }

    static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a read-only channel: nothing to lose
        }
    }

    /** Another file on disk holding the same content (the kubelet's gzipped copy of a rotated file). */
    record Copy(FileKey key, Path path) {}

    /** A file's identity on this node: device and inode. */
    record FileKey(long dev, long ino) {
        @Override
        public String toString() {
            return dev + ":" + ino;
        }
    }
}
