package io.meshpulse.ingest.tail;

import io.meshpulse.ingest.files.KubeletPath;
import io.meshpulse.ingest.framing.Frame;
import io.meshpulse.ingest.kafka.Heartbeats;
import io.meshpulse.ingest.tail.TrackedFile.Copy;
import io.meshpulse.ingest.tail.TrackedFile.FileKey;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows kubelet container log files and hands their lines to a {@link TailSink}, committing each batch of lines
 * together with the positions that produced it.
 *
 * <p>Files are followed by device and inode, through a channel kept open, so a file renamed by the kubelet's
 * rotation ({@code 0.log → 0.log.<YYYYMMDD-HHMMSS>}) or deleted with its pod is still read to its end. Each cycle
 * reads the files in the order they were found, older rotations of a container before its live file. A file that
 * shrinks below the read position (copytruncate), or whose first bytes change, is read again from its start.
 *
 * <p>The kubelet gzips older rotations ({@code 0.log.<stamp>} → {@code 0.log.<stamp>.gz}, a new inode, the original
 * removed once the copy is in place). A gzipped file is told apart from the files already known by its content's
 * fingerprint (the first bytes, decompressed): the copy of a file read to its end is not read again, the copy of a
 * file that was still being read when the tailer stopped is resumed at the same position in the decompressed
 * content, and a compressed rotation never seen is read whole unless its first line predates this node's state.
 *
 * <p>Across files, lines go out in the order they were written, give or take {@link #ORDER_SLACK_MS}: a file's line
 * waits for the next cycle while another file holds an unread line written more than that before it. Live, every
 * file holds only the last moments, so nothing waits; after a stop (the tailer down for a minute, a node's first
 * start with {@code fromBeginning}), reading each file's backlog whole in turn would hand out one pod's lines up to
 * now before another pod's older ones, and the topology, which decides lateness by the newest start time its task
 * has seen, would dead-letter those older lines as late although they were written on time.
 *
 * <p>Where reading starts: a file seen for the first time on a node's first start begins at its end (the start of
 * its last complete line) unless {@code fromBeginning}; every file that appears later, including one that appeared
 * while the tailer was down, is read from its start; a known file resumes from its committed checkpoint.
 *
 * <p>Single-threaded: call {@link #start()} once, then {@link #pollOnce()} or {@link #run(BooleanSupplier)}.
 */
public final class FileTailer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileTailer.class);
    private static final int FINGERPRINT_BYTES = 128;
    /**
     * File times come from the kernel's coarse clock, which runs up to a tick behind {@link System#currentTimeMillis}:
     * a file written just after the tailer started can carry a time just before it.
     */
    private static final long FILE_CLOCK_SLACK_MS = 1_000;
    private static final int BASE_BUFFER = 256 * 1024;
    /** How far apart in write time two files' lines may go out of order (see the class comment). */
    static final long ORDER_SLACK_MS = 2_000;
    /** A line's envelope time when it has none (or none that can be read): such a line never waits. */
    private static final long NO_TIME = Long.MIN_VALUE;
    /** How much of a file's next line is read to learn its time. */
    private static final int PEEK_BYTES = 4096;
    private final ByteBuffer peek = ByteBuffer.allocate(PEEK_BYTES);
    private static final Pattern ROTATED = Pattern.compile(".+\\.log\\.\\d{8}-\\d{6}(\\.gz)?");
    private static final Pattern CRI_PARTIAL = Pattern.compile("^\\S+ (stdout|stderr) P( |$)");

    private final TailConfig config;
    private final TailSink sink;
    private final TailMetrics metrics;
    private final List<PathGlob> globs;
    private final int physicalCap;
    private ByteBuffer buffer = ByteBuffer.allocate(BASE_BUFFER);
    private final CRC32 crc = new CRC32();

    /** Followed files in read order. */
    private final LinkedHashMap<FileKey, TrackedFile> tracked = new LinkedHashMap<>();
    /** Rotated files read to their end, still on disk (kept so that they are not read again). */
    private final Map<FileKey, Checkpoint> done = new HashMap<>();
    /** Checkpoints restored at start and not yet matched to a file. */
    private final Map<FileKey, Checkpoint> toResume = new HashMap<>();
    /** Rotated files that predate this node's state: never read. */
    private final Set<FileKey> ignored = new HashSet<>();
    /**
     * Restored checkpoints whose inode now holds another file (removed while the tailer was down, the inode reused):
     * kept for a gzipped copy of their content.
     */
    private final List<Checkpoint> displaced = new ArrayList<>();
    /**
     * Finished files whose inode now holds another file: kept during one discovery so that their gzipped copies are
     * still recognised.
     */
    private final List<Checkpoint> displacedDone = new ArrayList<>();
    /**
     * Finished files that a discovery found on no path, by when that was ({@link #cycleClock}), remembered for
     * {@link #GONE_MEMORY} so that their gzipped copy is still recognised. A listing taken while the kubelet renames
     * the copy into place and removes the original may hold neither name, and the copy is then listed only by a later
     * discovery.
     */
    private final Map<Checkpoint, Long> recentlyGone = new LinkedHashMap<>();
    private static final Duration GONE_MEMORY = Duration.ofSeconds(30);
    /**
     * Files to resume after a restart that its first discovery found on no path, by when that was
     * ({@link #cycleClock}). The kubelet may have been compressing one just then: its copy, once listed, is resumed
     * where the file was left. Until then, or until {@link #resumeWait()} has passed and the file is given up as lost,
     * its container's newer files wait and the heartbeat vouches for no more than before.
     */
    private final Map<Checkpoint, Long> goneResume = new LinkedHashMap<>();
    /** Paths that failed to open, so that each is reported once. */
    private final Set<Path> unreadable = new HashSet<>();

    private long followingSince;
    private boolean firstStart;
    private boolean firstDiscovery = true;
    private long lastDiscoveryNanos;
    private boolean uncommitted;
    /** Whether the restored checkpoints were matched against the files on disk (once, at the first discovery). */
    private boolean resumesMatched;
    private Consumer<Path> beforeOpen = p -> { };
    /** The wall clock of heartbeats (tests drive it). */
    private LongSupplier wallClock = System::currentTimeMillis;
    /**
     * The monotonic clock of {@link TailConfig#maxCycle}, {@link #recentlyGone} and {@link #goneResume}, in
     * nanoseconds (tests drive it).
     */
    private LongSupplier cycleClock = System::nanoTime;
    /** When the current cycle's time is up ({@link #cycleClock}), and what {@link #bytesThisRun} was when it began. */
    private long cycleDeadline;
    private long cycleBytesAtStart;
    /** Whether the current cycle has spent its time or its bytes ({@link #spent}). */
    private boolean cycleCut;
    /** Whether the last {@link #read} stopped because the cycle was {@link #spent}, with bytes left to read. */
    private boolean readCut;
    /** When the current (or last) discovery began listing files: a file created after that is not known yet. */
    private long lastDiscoveryWall;
    /** When the last heartbeat was sent, and the time it vouched for; {@link #NO_TIME} before the first. */
    private long lastHeartbeatWall = NO_TIME;
    private long lastHeartbeatUpTo = NO_TIME;
    /** A followed file's next line whose time cannot be known without reading it (a gzipped rotation). */
    private static final long UNKNOWN_TIME = Long.MIN_VALUE + 1;

    public FileTailer(TailConfig config, TailSink sink, MeterRegistry registry) {
        this(config, sink, new TailMetrics(registry, config.maxBytesPerFile()));
    }

    FileTailer(TailConfig config, TailSink sink, TailMetrics metrics) {
        this.config = config;
        this.sink = sink;
        this.metrics = metrics;
        this.globs = PathGlob.all(config.paths());
        this.physicalCap = config.maxLineChars() + 64 * 1024;
    }

    /** Replaces the wall clock that heartbeats are timed and dated by (tests). */
    void wallClock(LongSupplier clock) {
        this.wallClock = clock;
    }

    /** Replaces the clock, in nanoseconds, that a cycle's time ({@link TailConfig#maxCycle}) is measured by (tests). */
    void cycleClock(LongSupplier nanos) {
        this.cycleClock = nanos;
    }

    /** Restores this node's checkpoints, finds the files and commits where each one starts. */
    public void start() {
        Map<String, Checkpoint> restored = sink.restore();
        lastDiscoveryWall = wallClock.getAsLong();
        long now = System.currentTimeMillis();
        Checkpoint marker = restored.remove(markerKey());
        firstStart = marker == null;
        followingSince = firstStart ? (config.fromBeginning() ? 0 : now) : marker.followingSince();
        for (Checkpoint c : restored.values()) {
            FileKey k = new FileKey(c.dev(), c.ino());
            if (c.done()) done.put(k, c);
            else toResume.put(k, c);
        }
        if (firstStart) {
            sink.checkpoint(markerKey(), new Checkpoint(config.node(), null, -1, -1, 0, 0, 0, 0, false,
                    followingSince, now));
            uncommitted = true;
            LOG.info("node {}: no checkpoints yet; following files from their {}", config.node(),
                    config.fromBeginning() ? "beginning" : "end");
        } else {
            LOG.info("node {}: resuming {} files from checkpoints ({} finished rotated files remembered)",
                    config.node(), toResume.size(), done.size());
        }
        discover();
        commit();
    }

    private String markerKey() {
        return Checkpoint.key(config.node(), -1, -1);
    }

    /** Runs until {@code stop} says so, waiting {@code pollInterval} whenever no file grew. */
    public void run(BooleanSupplier stop) throws InterruptedException {
        while (!stop.getAsBoolean()) {
            if (!pollOnce()) {
                synchronized (this) {
                    wait(Math.max(1, config.pollInterval().toMillis()));
                }
            }
        }
    }

    /**
     * One cycle: discovery when due, read what every file has, commit. True when anything was read. While lines
     * wait for older lines of other files, the files are read again in the same cycle (up to {@link #MAX_PASSES}
     * times): each pass moves the oldest unread time forward by at least {@link #ORDER_SLACK_MS}, and one
     * transaction per pass would make catching up on an hour's backlog take thousands of commits.
     *
     * <p>A cycle is one transaction, so it is also bounded in time: once it has run for {@link TailConfig#maxCycle}
     * (or taken {@link TailConfig#maxBytesPerFile} over all files) and taken some lines, it reads no further (no
     * further pass, no further file of this pass, no further chunk of the file being read) and commits. The next cycle
     * goes on where it stopped; the order across files is kept because stopping only leaves lines unread, and the
     * heartbeat still vouches only for what was read. A tailer killed in the middle of a cycle leaves its transaction
     * open, which keeps the raw partitions it wrote unreadable for exactly-once readers until it times out: bounded
     * cycles are what allow a short timeout.
     */
    public boolean pollOnce() {
        long cycleStart = wallClock.getAsLong();
        cycleDeadline = cycleClock.getAsLong() + config.maxCycle().toNanos();
        cycleBytesAtStart = bytesThisRun;
        cycleCut = false;
        long now = System.nanoTime();
        if (now - lastDiscoveryNanos >= config.discoverInterval().toNanos()) {
            lastDiscoveryWall = cycleStart;
            discover();
        }
        boolean progress = false;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            boolean read = pass();
            progress |= read;
            if (!read || !heldBack || spent()) break;
        }
        heartbeat(cycleStart);
        commit();
        // A cycle that held lines back yet read nothing (the oldest file could not be read) must not stall the
        // others: the next cycle reads without holding back. Waiting for a rotated file to stay quiet is not that:
        // it ends by itself within rotateQuiet.
        unordered = !progress && heldBack && !oldestWaitsForRotation;
        return progress;
    }

    /** At most this many passes over the files in one cycle (see {@link #pollOnce}). */
    private static final int MAX_PASSES = 64;
    /** Bytes consumed since the tailer started, to bound one cycle's passes. */
    private long bytesThisRun;

    /**
     * Whether this cycle has run for {@link TailConfig#maxCycle}, or taken {@link TailConfig#maxBytesPerFile} over
     * all its files: it then takes no more lines. Never before it has taken some, so that every cycle moves on,
     * however long discovery or an unreadable file took. (The bytes bound what the commit still has to flush when the
     * broker is slower than the disk; before, only the passes after the first one counted them, and a first pass
     * over many files with a backlog each took up to that much per file.)
     */
    private boolean spent() {
        if (cycleCut) return true;
        long taken = bytesThisRun - cycleBytesAtStart;
        if (taken == 0) return false;
        if (taken < metrics.cycleBytes.get() && cycleClock.getAsLong() - cycleDeadline < 0) return false;
        cycleCut = true;
        return true;
    }

    /** One pass over the files: reads and checkpoints what each has, finishes rotated files read to their end. */
    private boolean pass() {
        boolean progress = false;
        List<TrackedFile> finished = new ArrayList<>();
        Set<Path> waiting = new HashSet<>();
        for (Checkpoint r : goneResume.keySet()) waiting.add(Path.of(r.path()).getParent()); // its lines come first
        order();
        for (TrackedFile f : tracked.values()) {
            Path dir = f.dir;
            // A container's newer file waits until its older (rotated) ones are read to their end.
            if (dir != null && waiting.contains(dir)) continue;
            // The cycle's time or bytes are spent: the files not reached wait for the next cycle (see pollOnce).
            if (spent()) break;
            boolean read = read(f, f == oldestFile ? secondOldest : oldest);
            progress |= read;
            if (f.rotated) {
                // (a gzipped rotation cannot grow: once read to its end it is finished)
                // (a file whose next line waits for older lines of another file is not at its end, nor is one whose
                // reading the cycle's end cut short)
                if (!read && !f.held && !readCut && (f.source.compressed()
                        || System.nanoTime() - f.lastChangeNanos >= config.rotateQuiet().toNanos())) {
                    finish(f);
                    finished.add(f);
                } else if (dir != null) {
                    waiting.add(dir);
                }
            }
            if (f.dirty) {
                sink.checkpoint(Checkpoint.key(config.node(), f.key.dev(), f.key.ino()),
                        f.checkpoint(config.node(), followingSince, System.currentTimeMillis()));
                f.dirty = false;
                uncommitted = true;
            }
        }
        for (TrackedFile f : finished) {
            tracked.remove(f.key);
            Checkpoint end = f.checkpoint(config.node(), followingSince, System.currentTimeMillis());
            // Kept even when the file has left its path by now: the kubelet removes a rotation once its gzipped copy
            // is written, and a copy not listed yet is recognised at the next discovery by this entry's fingerprint
            // (dropped here, that copy was read again whole: TailKillNineIT caught 428 lines sent twice). Discovery
            // forgets finished files found on no path, after it has looked at the files it listed.
            done.put(f.key, end);
            for (Copy copy : f.copies) { // its gzipped copies are finished with it
                ignored.remove(copy.key());
                if (!copy.key().equals(keyOf(copy.path()))) continue;
                Checkpoint c = copyCheckpoint(end, copy.key(), copy.path());
                done.put(copy.key(), c);
                sink.checkpoint(c.key(), c);
            }
            metrics.remove(f.behindGauge);
            metrics.filesFollowed.set(tracked.size());
        }
        return progress;
    }

    /** This cycle's oldest next-line time over the files, the file that holds it, and the next oldest. */
    private long oldest;
    private long secondOldest;
    private TrackedFile oldestFile;
    /** Whether this cycle held a line back; {@link #unordered} when the cycle also read nothing. */
    private boolean heldBack;
    private boolean unordered;

    /**
     * Finds the write time of each file's next unread line (see {@link #nextLineTime}) and the two oldest: a file
     * reads this cycle up to the oldest other file's next line plus {@link #ORDER_SLACK_MS}, so the file that is
     * furthest behind always reads and every cycle moves the oldest unread time forward.
     */
    private void order() {
        oldest = secondOldest = Long.MAX_VALUE;
        oldestFile = null;
        heldBack = false;
        if (unordered) {
            unordered = false;
            return;
        }
        // A container's live file waits until its rotated file is read to its end and has stayed quiet there
        // (rotateQuiet). While the rotated file still has lines, they stand for the container (the live file's come
        // after them). Once it is at its end, the live file's next line counts: the other files wait for it during
        // the quiet period (left out, they read past its lines then), and a cycle that reads nothing meanwhile is
        // expected, not a stall (see oldestWaitsForRotation).
        rotatedHasLines.clear();
        for (TrackedFile f : tracked.values()) {
            f.nextTime = nextLineTime(f);
            if (f.rotated && f.dir != null) rotatedHasLines.merge(f.dir, f.nextTime != NO_TIME, Boolean::logicalOr);
        }
        for (Checkpoint r : goneResume.keySet()) rotatedHasLines.put(Path.of(r.path()).getParent(), true);
        for (TrackedFile f : tracked.values()) {
            long t = f.nextTime;
            if (t == NO_TIME) continue;
            if (!f.rotated && f.dir != null && rotatedHasLines.getOrDefault(f.dir, false)) continue;
            if (t < oldest) {
                secondOldest = oldest;
                oldest = t;
                oldestFile = f;
            } else if (t < secondOldest) {
                secondOldest = t;
            }
        }
        oldestWaitsForRotation = oldestFile != null && !oldestFile.rotated && oldestFile.dir != null
                && rotatedHasLines.containsKey(oldestFile.dir);
    }

    /** Per container folder with a rotated file followed: whether that file still has lines to read (order()). */
    private final Map<Path, Boolean> rotatedHasLines = new HashMap<>();

    /** Whether the oldest file is a live file waiting out its rotated file's quiet period: others wait meanwhile. */
    private boolean oldestWaitsForRotation;

    /**
     * The envelope time of the file's next complete unread line, {@link #NO_TIME} when it has none (nothing unread,
     * a line without its newline yet, a line without a time). Known without reading when the last cycle stopped
     * there; otherwise the first bytes at the read position are read (for a gzipped rotation, only once: a later
     * read at that position would start its decompression over).
     */
    private long nextLineTime(TrackedFile f) {
        if (f.source == null || f.skippingOversize) return NO_TIME;
        try {
            long size = f.source.size();
            if (size <= f.readPos) return NO_TIME;
            if (f.heldPos == f.readPos) return f.heldTime;
            if (f.source.compressed() && f.peeked) return NO_TIME;
            f.peeked = true;
            ByteBuffer b = peek.clear().limit((int) Math.min(PEEK_BYTES, size - f.readPos));
            while (b.hasRemaining() && f.source.read(b, f.readPos + b.position()) > 0) { /* fill */ }
            byte[] a = b.array();
            for (int i = 0; i < b.position(); i++) {
                if (a[i] == '\n') return envelopeTime(a, 0, i);
            }
            return NO_TIME;
        } catch (IOException e) {
            return NO_TIME; // read() meets the error and reports it
        }
    }

    /**
     * The time a container runtime put on a physical line: the leading RFC 3339 time of a CRI or
     * {@code --timestamps} line, or the {@code "time"} of a docker json-file or Fluent Bit record; {@link #NO_TIME}
     * for anything else.
     */
    static long envelopeTime(byte[] a, int off, int len) {
        if (len < 20) return NO_TIME;
        byte c = a[off];
        if (c >= '0' && c <= '9') {
            int end = Math.min(len, 40);
            for (int i = 0; i < end; i++) {
                if (a[off + i] == ' ') return time(new String(a, off, i, StandardCharsets.ISO_8859_1));
            }
            return NO_TIME;
        }
        if (c == '{') {
            // docker writes "time" last; search back from the end for its key
            for (int i = len - 9; i >= Math.max(1, len - 200); i--) {
                if (a[off + i] == '"' && a[off + i + 1] == 't' && a[off + i + 2] == 'i' && a[off + i + 3] == 'm'
                        && a[off + i + 4] == 'e' && a[off + i + 5] == '"' && a[off + i + 6] == ':'
                        && a[off + i + 7] == '"') {
                    int s = i + 8;
                    int e = s;
                    while (e < len && a[off + e] != '"') e++;
                    return e < len ? time(new String(a, off + s, e - s, StandardCharsets.ISO_8859_1)) : NO_TIME;
                }
            }
        }
        return NO_TIME;
    }

    private static long time(String s) {
        long t = io.meshpulse.model.Rfc3339.parseMillis(s, 0, s.length());
        return t == io.meshpulse.model.Rfc3339.INVALID ? NO_TIME : t;
    }

    /**
     * Sends a heartbeat when one is due: this tailer has no unread line written before T, where T is when this cycle
     * began (every line written before then was read, unless a file still holds one), capped by the start of the
     * last discovery (a file created since is not followed yet) and by the time of each followed file's next unread
     * line. It goes after this cycle's lines, in the same transaction. Lines without a time of their own (no
     * envelope) and a last line without its newline hold nothing back, as in the ordering across files.
     */
    private void heartbeat(long cycleStart) {
        long interval = config.heartbeatInterval().toMillis();
        if (interval <= 0) return;
        long wallNow = wallClock.getAsLong();
        if (lastHeartbeatWall != NO_TIME && wallNow - lastHeartbeatWall < interval) return;
        long upTo = Math.min(cycleStart, lastDiscoveryWall);
        if (!goneResume.isEmpty()) { // lines of unknown time may still come from a copy: no further than before
            if (lastHeartbeatUpTo == NO_TIME) return;
            upTo = Math.min(upTo, lastHeartbeatUpTo);
        }
        for (TrackedFile f : tracked.values()) {
            long t = unreadSince(f);
            if (t == UNKNOWN_TIME) {
                if (lastHeartbeatUpTo == NO_TIME) return; // nothing to vouch for yet
                t = lastHeartbeatUpTo; // no further than before
            }
            if (t != NO_TIME) upTo = Math.min(upTo, t);
        }
        sink.heartbeat(Heartbeats.tailInstance(config.node()), upTo);
        uncommitted = true;
        lastHeartbeatWall = wallNow;
        lastHeartbeatUpTo = upTo;
    }

    /**
     * The write time of the file's oldest unread line, {@link #NO_TIME} when it has none that counts (nothing
     * unread, a line without its newline yet or without a time), {@link #UNKNOWN_TIME} when it cannot be known.
     */
    private long unreadSince(TrackedFile f) {
        if (f.source == null || f.skippingOversize) return NO_TIME;
        try {
            if (f.source.size() <= f.readPos) return NO_TIME;
            if (f.heldPos == f.readPos) return f.heldTime;
            if (f.source.compressed()) {
                // its lines are in write order: the next one was written no earlier than the last one read
                return f.lastTime != NO_TIME ? f.lastTime : UNKNOWN_TIME;
            }
            long next = nextLineTime(f);
            if (next == NO_TIME && cycleCut && f.source.size() - f.readPos > PEEK_BYTES) {
                // A cycle cut short can leave a file unread whose next line is longer than the look ahead, so its
                // time is not seen. It was written no earlier than the last line read: vouching only up to then
                // holds the heartbeat back a little more than needed, never less. A file not read yet: no further
                // than the last heartbeat.
                return f.lastTime != NO_TIME ? f.lastTime : UNKNOWN_TIME;
            }
            return next;
        } catch (IOException e) {
            return NO_TIME; // read() meets the error and reports it
        }
    }

    private void commit() {
        if (uncommitted) {
            sink.commit();
            uncommitted = false;
            metrics.transactions.increment();
        }
        metrics.lastCheckpointMillis.set(System.currentTimeMillis());
    }

    /** Wakes {@link #run} early (e.g. to stop). */
    public synchronized void wakeUp() {
        notifyAll();
    }

    public int filesFollowed() {
        return tracked.size();
    }

    /** Bytes written to followed files and not yet read. */
    public long bytesBehind() {
        long sum = 0;
        for (TrackedFile f : tracked.values()) sum += f.behind;
        return sum;
    }

    @Override
    public void close() {
        for (TrackedFile f : tracked.values()) {
            f.close();
            metrics.remove(f.behindGauge);
        }
        tracked.clear();
    }

    // ------------------------------------------------------------------------------------------------ discovery

    private record Candidate(Path path, FileKey key, long size, long mtime, boolean rotatedName, boolean gzip) {}

    /** Whether the log has said that no file matches the paths (once per tailer). */
    private boolean saidNoFiles;

    private void discover() {
        lastDiscoveryNanos = System.nanoTime();
        // A file renamed between being listed and being opened (the kubelet rotating it at that instant) is looked
        // for again at once, so that it is found under its new name before its container's newer file is read.
        Map<FileKey, Path> onDisk = new HashMap<>();
        boolean raced = scan(onDisk);
        for (int attempt = 1; raced && attempt < 5; attempt++) raced = scan(onDisk);
        if (raced) LOG.info("files kept moving while being listed; the next discovery looks again");
        firstDiscovery = false;
        if (onDisk.isEmpty() && tracked.isEmpty() && !saidNoFiles) {
            // a wrong --path (or a node whose kubelet writes elsewhere) would otherwise look like a quiet mesh
            saidNoFiles = true;
            LOG.warn("no file matches {} (containers {}) yet: waiting for one to appear, looking again every {} ms",
                    config.paths(), config.containers(), config.discoverInterval().toMillis());
        }

        if (!resumesMatched) {
            resumesMatched = true;
            for (var it = toResume.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (onDisk.containsKey(e.getKey())) continue; // on disk but not opened yet (unreadable): retried later
                Checkpoint c = e.getValue();
                it.remove();
                awaitCopy(c, "found on no path"); // its copy may be listed next
            }
            // Files whose inodes the file system has given to new ones: their copies may be listed next, as above.
            for (Checkpoint c : displaced) awaitCopy(c, INODE_REUSED);
            displaced.clear();
        }
        // Finished files whose inodes went to rotations listed now: a copy not listed yet is waited for likewise.
        for (Checkpoint d : displacedDone) awaitCopy(d, INODE_REUSED);
        displacedDone.clear();
        // Finished files the kubelet has since deleted: forget them. One it compressed is usually replaced by its
        // copy's entry when the copy is listed (the kubelet writes the copy before it removes the original), but a
        // listing taken in between may hold neither: their checkpoints are kept for GONE_MEMORY, so that a copy
        // listed late is known, after a restart too. Files to resume that a restart found on no path wait likewise.
        long now = cycleClock.getAsLong();
        for (Checkpoint c : expired(goneResume, now, resumeWait())) {
            if (!c.done()) lost(c);
            forgetGone(c);
        }
        for (Checkpoint c : expired(recentlyGone, now, GONE_MEMORY)) forgetGone(c);
        for (var it = done.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Checkpoint c = e.getValue();
            if (c.path() == null || !onDisk.containsKey(e.getKey())) {
                it.remove();
                if (c.path() != null && c.fpLen() > 0) {
                    recentlyGone.put(c, now);
                } else {
                    sink.checkpoint(c.key(), null);
                    uncommitted = true;
                }
            }
        }
        metrics.filesFollowed.set(tracked.size());
    }

    /**
     * How long a file to resume that a restart found on no path is waited for: a few discoveries, so that a copy being
     * renamed into place at the first one is listed by a later one.
     */
    private Duration resumeWait() {
        Duration three = config.discoverInterval().multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(5)) > 0 ? three : Duration.ofSeconds(5);
    }

    /** Removes and returns the entries of {@code since} (times on {@link #cycleClock}) older than {@code wait}. */
    private static List<Checkpoint> expired(Map<Checkpoint, Long> since, long now, Duration wait) {
        List<Checkpoint> out = new ArrayList<>();
        for (var it = since.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (now - e.getValue() <= wait.toNanos()) continue;
            out.add(e.getKey());
            it.remove();
        }
        return out;
    }

    /**
     * A checkpointed file whose content is no longer where its checkpoint says (removed, or its inode given to a new
     * file) and not known in another file of its folder: its gzipped copy may be listed within {@link #resumeWait()},
     * and is then resumed from the checkpoint (known as read, for a finished file); after that an unfinished file is
     * {@link #lost}. Meanwhile its folder waits, so a new file on its inode writes no entry over its checkpoint
     * ({@link #pass} skips waiting folders), and a restart in the meantime finds the checkpoint again. When its
     * content is already known in another file of the folder, or no copy can come ({@link #copyMayCome}), nothing is
     * waited for: an unfinished file not known elsewhere is lost, and the entry goes ({@link #forgetGone}). {@code why}
     * says, in the log, why the file is not where its checkpoint says.
     */
    private void awaitCopy(Checkpoint c, String why) {
        boolean known = knownElsewhere(c); // its copy was found before (a finished file's is recorded as finished too)
        if (!known && copyMayCome(c)) {
            goneResume.put(c, cycleClock.getAsLong());
            LOG.info("{} (inode {}:{}) {}: waiting up to {} ms for its gzipped copy before its container's newer files "
                    + "are read", c.path(), c.dev(), c.ino(), why, resumeWait().toMillis());
            return;
        }
        if (!known && !c.done()) lost(c);
        forgetGone(c);
    }

    private static final String INODE_REUSED = "its inode holds another file now";

    /**
     * Whether the kubelet may still write a gzipped copy of what {@code c} describes, which it can know by: it
     * compresses rotations only, so a file read to its end under a rotated name, or one still being read under any
     * plain name (it may have been rotated since); and only while the container's folder exists. Waiting for nothing
     * would hold the folder and the node's heartbeat back: a gzipped file is copied nowhere (the kubelet removes the
     * oldest beyond its file limit, and the next copy often gets the inode), and a deleted pod's folder is gone (a new
     * pod's file often gets one of its inodes).
     */
    private static boolean copyMayCome(Checkpoint c) {
        if (c.path() == null || c.fpLen() <= 0) return false;
        Path p = Path.of(c.path());
        String name = p.getFileName().toString();
        return !name.endsWith(".gz") && (!c.done() || ROTATED.matcher(name).matches()) && p.getParent() != null
                && Files.isDirectory(p.getParent());
    }

    /** Whether another file of {@code c}'s folder, finished or followed, starts with the same bytes as {@code c}. */
    private boolean knownElsewhere(Checkpoint c) {
        if (c.path() == null || c.fpLen() <= 0) return false;
        Path dir = Path.of(c.path()).getParent();
        FileKey own = new FileKey(c.dev(), c.ino());
        for (Map.Entry<FileKey, Checkpoint> e : done.entrySet()) {
            Checkpoint d = e.getValue();
            if (!e.getKey().equals(own) && d.fpLen() == c.fpLen() && d.fpCrc() == c.fpCrc() && sameDir(dir, d.path())) {
                return true;
            }
        }
        for (TrackedFile f : tracked.values()) {
            if (!f.key.equals(own) && f.fpLen == c.fpLen() && f.fpCrc == c.fpCrc() && dir.equals(f.dir)) return true;
        }
        return false;
    }

    /** Deletes a gone file's checkpoint, unless its inode has since been given to a file that is followed. */
    private void forgetGone(Checkpoint c) {
        FileKey k = new FileKey(c.dev(), c.ino());
        if (tracked.containsKey(k) || done.containsKey(k)) return;
        sink.checkpoint(c.key(), null);
        uncommitted = true;
    }

    private void lost(Checkpoint c) {
        LOG.warn("{} (inode {}:{}) is gone: it was removed while the tailer was down; lines written to it after byte {} "
                + "are lost", c.path(), c.dev(), c.ino(), c.offset());
        metrics.fileError("lost");
    }

    /**
     * Lists the files, notes rotations of followed ones and starts following new ones; every file found is added to
     * {@code onDisk}. True when a file was no longer where it was listed by the time it was opened.
     */
    private boolean scan(Map<FileKey, Path> onDisk) {
        Map<FileKey, Candidate> live = new LinkedHashMap<>();
        Set<Path> dirs = new LinkedHashSet<>();
        for (PathGlob g : globs) {
            g.expand(p -> {
                if (!p.getFileName().toString().endsWith(".log")) return;
                Candidate c = candidate(p, false);
                if (c == null || !wanted(c.path)) return;
                live.putIfAbsent(c.key, c);
                dirs.add(c.path.getParent());
            });
        }
        // Rotated siblings are looked for beside every file we know of, live or not.
        for (TrackedFile f : tracked.values()) if (f.dir != null) dirs.add(f.dir);
        for (Checkpoint c : toResume.values()) addParent(dirs, c.path());
        for (Checkpoint c : done.values()) addParent(dirs, c.path());
        Map<FileKey, Candidate> rotatedOnes = new LinkedHashMap<>();
        for (Path dir : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!ROTATED.matcher(p.getFileName().toString()).matches()) continue;
                    Candidate c = candidate(p, true);
                    if (c != null && !live.containsKey(c.key)) rotatedOnes.putIfAbsent(c.key, c);
                }
            } catch (IOException e) {
                // the pod's folder went away while we looked: its files are handled as removed
            }
        }

        // Files we follow that are no longer at their path were rotated away or removed: read them to their end.
        for (TrackedFile f : tracked.values()) {
            if (f.rotated) continue;
            if (!live.containsKey(f.key) && !stillAt(f)) {
                f.rotated = true;
                f.lastChangeNanos = System.nanoTime();
                metrics.rotations.increment();
                Candidate r = rotatedOnes.get(f.key);
                if (r != null) f.path = r.path;
                LOG.debug("{} rotated away{}", f.origin, r == null ? " (removed)" : " to " + r.path);
            }
        }
        for (Candidate r : rotatedOnes.values()) {
            TrackedFile f = tracked.get(r.key);
            if (f != null) f.path = r.path; // (an open file keeps its inode: no other file can have it)
            Checkpoint d = done.get(r.key);
            if (d != null && !r.path.toString().equals(d.path())) {
                // Renamed after it was finished, or removed and its inode given to another file: the content tells.
                if (fingerprintMatches(r.path, r.gzip, d.fpLen(), d.fpCrc())) {
                    done.put(r.key, withPath(d, r.path));
                } else {
                    done.remove(r.key);
                    displacedDone.add(d);
                }
            }
        }

        // New files, rotated ones first so that a container's older lines are read before its newer ones.
        List<Candidate> fresh = new ArrayList<>();
        for (Candidate c : rotatedOnes.values()) if (!tracked.containsKey(c.key)) fresh.add(c);
        for (Candidate c : live.values()) if (!tracked.containsKey(c.key)) fresh.add(c);
        // Gzipped rotations come first of all (within a container they are the oldest anyway): one may hold the
        // content of a checkpoint whose inode the file system has since given to another file, which must not
        // claim that checkpoint before the copy does.
        fresh.sort(Comparator.comparing((Candidate c) -> !c.gzip)
                .thenComparing(c -> c.path.getParent().toString())
                .thenComparing(c -> rotationOrder(c.path)));
        for (Candidate c : live.values()) onDisk.put(c.key, c.path);
        for (Candidate c : rotatedOnes.values()) onDisk.put(c.key, c.path);
        boolean raced = false;
        for (Candidate c : fresh) raced |= !consider(c, onDisk);
        return raced;
    }

    private static void addParent(Set<Path> dirs, String path) {
        if (path == null) return;
        Path parent = Path.of(path).getParent();
        if (parent != null) dirs.add(parent);
    }

    private static Checkpoint withPath(Checkpoint c, Path p) {
        return new Checkpoint(c.node(), p.toString(), c.dev(), c.ino(), c.fpLen(), c.fpCrc(), c.offset(), c.emitted(),
                c.done(), c.followingSince(), c.committedAt());
    }

    private static String rotationOrder(Path p) {
        KubeletPath kp = KubeletPath.of(p);
        String stamp = kp == null || kp.rotatedAt() == null ? "99999999-999999" : kp.rotatedAt();
        return (kp == null ? 0 : kp.restart()) + "/" + stamp;
    }

    private boolean wanted(Path real) {
        if (config.containers().isEmpty()) return true;
        KubeletPath kp = KubeletPath.of(real);
        return kp == null || kp.container() == null || config.containers().contains(kp.container());
    }

    private boolean stillAt(TrackedFile f) {
        return f.key.equals(keyOf(f.path));
    }

    private static FileKey keyOf(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino");
            return new FileKey(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private Candidate candidate(Path p, boolean rotatedName) {
        try {
            Path real = p.toRealPath();
            Map<String, Object> a = Files.readAttributes(real, "unix:dev,ino,size,lastModifiedTime,isRegularFile");
            if (!Boolean.TRUE.equals(a.get("isRegularFile"))) return null;
            return new Candidate(real, new FileKey(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue()),
                    ((Number) a.get("size")).longValue(), ((FileTime) a.get("lastModifiedTime")).toMillis(), rotatedName,
                    rotatedName && real.getFileName().toString().endsWith(".gz"));
        } catch (IOException e) {
            return null; // vanished between listing and looking: nothing to follow
        }
    }

    /**
     * Starts following a newly found file. False when the file was no longer at its path when opened (renamed or
     * removed since it was listed): nothing is changed then, its checkpoint included, so that the next listing finds
     * it under its new name and resumes it where it was.
     */
    private boolean consider(Candidate c, Map<FileKey, Path> onDisk) {
        if (ignored.contains(c.key)) return true;
        Checkpoint wasDone = done.get(c.key);
        Checkpoint resume = toResume.get(c.key);
        if (wasDone != null && !c.rotatedName) {
            // a finished file back at a live path (it was never rotated after all): carry on after its end
            resume = wasDone;
        }
        if (resume == null && wasDone == null && c.rotatedName && writtenBeforeFollowing(c)) {
            ignored.add(c.key); // older than this node's state: written before we were asked to follow
            return true;
        }
        beforeOpen.accept(c.path);
        FileChannel ch;
        try {
            ch = FileChannel.open(c.path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            metrics.fileError("vanished");
            LOG.debug("{} moved before it could be opened", c.path);
            return false;
        } catch (IOException e) {
            if (unreadable.add(c.path)) {
                metrics.fileError("unreadable");
                LOG.warn("cannot read {}: {}{}; will retry", c.path,
                        e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName(),
                        e.getMessage() == null || e instanceof AccessDeniedException ? "" : " " + e.getMessage());
            }
            return true;
        }
        // The path may name another file by now: the listed one renamed away and a new one created in its place.
        if (!c.key.equals(keyOf(c.path))) {
            TrackedFile.closeQuietly(ch);
            LOG.debug("{} was replaced before it could be opened", c.path);
            return false;
        }
        unreadable.remove(c.path);
        // A rotated file's first bytes (decompressed for a gzipped one) tell whether its content is already known.
        byte[] head = null;
        Checkpoint resumedFrom = null;
        Checkpoint replaced = null; // what the checkpoint on this file's inode described, when that is other content
        if (c.rotatedName) {
            try {
                head = head(ch, c.gzip);
            } catch (IOException e) {
                return unreadableContent(c, ch, e);
            }
            if (wasDone != null && headMatches(head, wasDone.fpLen(), wasDone.fpCrc())) {
                TrackedFile.closeQuietly(ch);
                return true; // read to its end before
            }
            if (wasDone != null) { // an earlier file's entry on a reused inode
                displacedDone.add(wasDone);
                done.remove(c.key);
                wasDone = null;
            }
            // A checkpoint under this inode whose first bytes differ belonged to a file since removed, whose inode
            // the file system gave to this one. Its content may be in a gzipped copy not looked at yet: keep it for
            // that copy (the checkpoint's slot now belongs to this file).
            if (resume != null && !headMatches(head, resume.fpLen(), resume.fpCrc())) {
                displaced.add(resume);
                resume = null;
            }
            if (resume == null) {
                Known known = copyOf(c, head, onDisk);
                if (known.kind() == Known.Kind.COPY) {
                    TrackedFile.closeQuietly(ch);
                    return true;
                }
                if (known.kind() == Known.Kind.RESUME) {
                    resume = known.resume();
                    resumedFrom = known.resume();
                } else if (writtenBeforeFollowing(c) || c.gzip && firstLineBefore(head, followingSince)) {
                    // older than this node's state (a gzipped copy's file time is the compression's, so its first
                    // line tells): written before we were asked to follow
                    TrackedFile.closeQuietly(ch);
                    ignored.add(c.key);
                    return true;
                }
            }
        }
        long start;
        if (resume != null) {
            start = -1;
        } else if (c.rotatedName) {
            start = 0;
        } else {
            start = firstDiscovery && firstStart && !config.fromBeginning() ? -2 : 0;
        }
        toResume.remove(c.key);
        if (wasDone != null) done.remove(c.key);
        FileKey from = resumedFrom == null ? null : new FileKey(resumedFrom.dev(), resumedFrom.ino());
        if (from != null && !displaced.remove(resumedFrom)) toResume.remove(from);
        KubeletPath kp = KubeletPath.of(c.path);
        if (kp == null) {
            String stem = c.path.getFileName().toString().replaceAll("\\.log$", "");
            kp = new KubeletPath(null, stem, null, 0, null, false);
        }
        TrackedFile f;
        try {
            f = new TrackedFile(c.key, kp, c.path, c.gzip ? LogSource.gzipped(ch) : LogSource.plain(ch),
                    config.maxLineChars());
        } catch (IOException e) {
            return unreadableContent(c, ch, e);
        }
        f.rotated = c.rotatedName;
        f.lastChangeNanos = System.nanoTime();
        try {
            long size = f.source.size();
            f.size = size;
            if (resume != null) {
                boolean same = headMatches(head != null ? head : head(ch, false), resume.fpLen(), resume.fpCrc())
                        && (c.gzip || size >= resume.offset());
                if (same) {
                    f.readPos = f.cleanOffset = resume.offset();
                    f.toSkip = resume.emitted();
                    f.fpLen = resume.fpLen();
                    f.fpCrc = resume.fpCrc();
                } else {
                    metrics.truncations.increment();
                    LOG.warn("{} changed while the tailer was down (truncated, or its inode given to a new file): "
                            + "reading it from its start", c.path);
                    f.dirty = true;
                    // What the checkpoint describes is elsewhere by now, if anywhere: in a gzipped copy that the
                    // kubelet may not have renamed into place yet (it removed the original, and the file system
                    // gave the inode to this file). It is waited for once this file holds the inode (below).
                    replaced = resume;
                }
            } else {
                if (start == -2) start = startOfLastLines(ch, size);
                f.readPos = f.cleanOffset = start;
                if (head != null) fingerprint(f, head);
                f.dirty = true;
            }
        } catch (IOException e) {
            f.close();
            metrics.fileError("unreadable");
            LOG.warn("cannot read {}: {}", c.path, e.toString());
            return true;
        }
        if (resumedFrom != null) {
            // From now on the position lives under the compressed file's inode: the new entry and the removal of the
            // old one go into the same transaction, so a crash in between cannot leave the content without either.
            sink.checkpoint(Checkpoint.key(config.node(), c.key.dev(), c.key.ino()),
                    f.checkpoint(config.node(), followingSince, System.currentTimeMillis()));
            if (!tracked.containsKey(from) && !from.equals(c.key)) sink.checkpoint(resumedFrom.key(), null);
            f.dirty = false;
            uncommitted = true;
        }
        if (c.gzip) metrics.compressedRead.increment();
        f.behindGauge = metrics.behind(f, Tags.of("namespace", String.valueOf(kp.namespace()), "pod",
                String.valueOf(kp.pod()), "container", String.valueOf(kp.container()), "file",
                c.path.getFileName().toString()), t -> t.behind);
        tracked.put(c.key, f);
        if (replaced != null) awaitCopy(replaced, INODE_REUSED);
        keepWriteOrder(f);
        LOG.info("following {}{} from byte {}{}", c.path, c.gzip ? " (decompressed)" : "", f.readPos,
                f.toSkip > 0 ? " (" + f.toSkip + " lines already sent)" : "");
        return true;
    }

    /**
     * Passes read a container's files in the order they are tracked, and a rotated file waiting for its quiet period
     * holds back the ones after it. A rotation can be found after its container's newer files: a directory listing
     * taken while the kubelet compresses it (a new {@code .gz} entry, then the original's removal) may hold neither
     * name. So the container's newer files (later rotations, the live file) move behind the one just found. A file
     * rotated away whose new name is not known (removed, or compressed into a copy) keeps its old name, which says
     * nothing of its age: it stays where it is.
     */
    private void keepWriteOrder(TrackedFile added) {
        if (added.dir == null || !added.rotated) return;
        String order = rotationOrder(added.path);
        List<FileKey> newer = new ArrayList<>();
        for (Map.Entry<FileKey, TrackedFile> e : tracked.entrySet()) {
            TrackedFile g = e.getValue();
            if (g == added || !added.dir.equals(g.dir)) continue;
            KubeletPath kp = KubeletPath.of(g.path);
            boolean known = !g.rotated || (kp != null && kp.rotatedAt() != null);
            if (known && rotationOrder(g.path).compareTo(order) > 0) newer.add(e.getKey());
        }
        for (FileKey k : newer) tracked.put(k, tracked.remove(k)); // re-inserted last, in their own order
    }

    /**
     * Whether a rotated file's time says it was written before this node's state began. Files present at the first
     * listing of a first start are, whatever their time; a file found later is judged by its time with the file
     * clock's slack, so that a file created just after the start and rotated before it was opened is read.
     */
    private boolean writtenBeforeFollowing(Candidate c) {
        if (firstStart && firstDiscovery) return !config.fromBeginning();
        return c.mtime < followingSince - FILE_CLOCK_SLACK_MS;
    }

    /** A file that opens but cannot be decoded (a damaged gzip file): reported, counted and left alone. */
    private boolean unreadableContent(Candidate c, FileChannel ch, IOException e) {
        TrackedFile.closeQuietly(ch);
        ignored.add(c.key);
        metrics.fileError("corrupt");
        LOG.warn("cannot read {}: {}; its lines are not read", c.path, e.toString());
        return true;
    }

    /** What a rotated file without a checkpoint of its own is, judged by its first bytes. */
    private record Known(Kind kind, Checkpoint resume) {
        enum Kind {
            /** A copy of a file read, being read, or about to be resumed: never read itself. */
            COPY,
            /** The compressed copy of a file that was being read when the tailer stopped, its original gone. */
            RESUME,
            /** Content not seen before. */
            UNKNOWN
        }

        static final Known COPY = new Known(Kind.COPY, null);
        static final Known UNKNOWN = new Known(Kind.UNKNOWN, null);
    }

    /**
     * Whether a rotated file holds content already known in its folder: the kubelet's gzipped copy of a file
     * (or, for the instant both exist, the original beside its copy). Fingerprints of fewer than one byte say
     * nothing and match nothing.
     */
    private Known copyOf(Candidate c, byte[] head, Map<FileKey, Path> onDisk) {
        Path dir = c.path.getParent();
        for (TrackedFile f : tracked.values()) {
            if (f.rotated && dir.equals(f.dir) && holds(f, head)) {
                f.copies.add(new Copy(c.key, c.path));
                ignored.add(c.key); // recorded as finished when the file it copies is
                LOG.debug("{} is a copy of {}, which is being read", c.path, f.path);
                return Known.COPY;
            }
        }
        Checkpoint finished = lastOfIn(recentlyGone.keySet(), dir, head,
                lastOfIn(displacedDone, dir, head, lastOfIn(done.values(), dir, head, null)));
        if (finished != null && recentlyGone.remove(finished) != null) forgetGone(finished);
        if (finished != null) return copyOfFinished(finished, c);
        Checkpoint gone = lastOfIn(displaced, dir, head, null);
        if (gone == null) gone = lastOfIn(goneResume.keySet(), dir, head, null);
        if (gone != null && gone.done()) { // a finished file whose inode went to a new one
            goneResume.remove(gone);
            return copyOfFinished(gone, c);
        }
        if (gone != null) {
            goneResume.remove(gone);
            LOG.info("{} was compressed while the tailer was down: resuming it from {}", gone.path(), c.path);
            return new Known(Known.Kind.RESUME, gone);
        }
        for (var e : toResume.entrySet()) {
            Checkpoint r = e.getValue();
            if (holds(r, dir, head)) {
                // While the original is still on disk it is the one resumed; this copy is then recognised as its copy.
                // (Its inode alone does not say so: a removed file's inode is soon given to a new one.)
                Path original = onDisk.get(e.getKey());
                if (original != null && fingerprintMatches(original, original.toString().endsWith(".gz"), r.fpLen(),
                        r.fpCrc())) {
                    return Known.COPY;
                }
                LOG.info("{} was compressed while the tailer was down: resuming it from {}", r.path(), c.path);
                return new Known(Known.Kind.RESUME, r);
            }
        }
        return Known.UNKNOWN;
    }

    /** {@code c} is a copy of a file read to its end: it is recorded as finished too, under its own inode. */
    private Known copyOfFinished(Checkpoint finished, Candidate c) {
        Checkpoint copy = copyCheckpoint(finished, c.key, c.path);
        done.put(c.key, copy);
        sink.checkpoint(copy.key(), copy);
        uncommitted = true;
        LOG.debug("{} is a copy of {}, read to its end before", c.path, finished.path());
        return Known.COPY;
    }

    /** Whether {@code head}, read from a file in {@code dir}, is the content of the file checkpointed as {@code c}. */
    private static boolean holds(Checkpoint c, Path dir, byte[] head) {
        return c.fpLen() > 0 && sameDir(dir, c.path()) && headMatches(head, c.fpLen(), c.fpCrc());
    }

    /** The last of {@code checkpoints} whose file {@code head} holds ({@link #holds}), else {@code otherwise}. */
    private static Checkpoint lastOfIn(Iterable<Checkpoint> checkpoints, Path dir, byte[] head, Checkpoint otherwise) {
        Checkpoint last = otherwise;
        for (Checkpoint c : checkpoints) {
            if (holds(c, dir, head)) last = c;
        }
        return last;
    }

    /**
     * Whether a followed file starts with the same bytes as {@code head}. A file not read yet (it waits for its
     * container's older rotations) has no fingerprint so far: its first bytes are read for the comparison.
     */
    private static boolean holds(TrackedFile f, byte[] head) {
        if (f.fpLen > 0) return headMatches(head, f.fpLen, f.fpCrc);
        if (f.source.compressed() || head.length == 0) return false;
        try {
            ByteBuffer b = ByteBuffer.allocate(head.length);
            while (b.hasRemaining() && f.source.read(b, b.position()) > 0) { /* fill */ }
            if (b.position() == 0) return false;
            return Arrays.equals(b.array(), 0, b.position(), head, 0, b.position());
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code path} names a file right inside {@code dir} (compared as text: called for every pair). */
    private static boolean sameDir(Path dir, String path) {
        if (path == null) return false;
        String d = dir.toString();
        return path.length() > d.length() + 1 && path.startsWith(d) && path.charAt(d.length()) == '/'
                && path.indexOf('/', d.length() + 1) < 0;
    }

    private static Checkpoint copyCheckpoint(Checkpoint c, FileKey key, Path path) {
        return new Checkpoint(c.node(), path.toString(), key.dev(), key.ino(), c.fpLen(), c.fpCrc(), c.offset(),
                c.emitted(), c.done(), c.followingSince(), c.committedAt());
    }

    private static byte[] head(FileChannel ch, boolean gzip) throws IOException {
        if (gzip) return LogSource.gzipHead(ch, FINGERPRINT_BYTES);
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(FINGERPRINT_BYTES, ch.size()));
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { /* fill */ }
        byte[] head = new byte[b.position()];
        System.arraycopy(b.array(), 0, head, 0, head.length);
        return head;
    }

    /** Whether the first {@code len} bytes of {@code head} have the CRC-32 {@code expected}. */
    private static boolean headMatches(byte[] head, int len, long expected) {
        if (len == 0) return true;
        if (head.length < len) return false;
        CRC32 c = new CRC32();
        c.update(head, 0, len);
        return c.getValue() == expected;
    }

    private void fingerprint(TrackedFile f, byte[] head) {
        crc.reset();
        crc.update(head, 0, head.length);
        f.fpLen = head.length;
        f.fpCrc = crc.getValue();
    }

    /** Whether the file's first line is a CRI line stamped before {@code millis}; false when it has no such stamp. */
    static boolean firstLineBefore(byte[] head, long millis) {
        int sp = 0;
        while (sp < head.length && head[sp] != ' ' && head[sp] != '\n') sp++;
        if (sp == head.length || head[sp] != ' ') return false;
        try {
            String stamp = new String(head, 0, sp, StandardCharsets.US_ASCII);
            return OffsetDateTime.parse(stamp).toInstant().toEpochMilli() < millis;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Test hook: runs between listing a file and opening it, where a rotation can slip in. */
    void beforeOpen(Consumer<Path> hook) {
        this.beforeOpen = hook;
    }

    /**
     * Where "from the end" starts: after the last newline, moved back over CRI partial chunks so that a line being
     * written in pieces is read whole.
     */
    private long startOfLastLines(FileChannel ch, long size) throws IOException {
        if (size == 0) return 0;
        int window = (int) Math.min(size, 64 * 1024);
        ByteBuffer b = ByteBuffer.allocate(window);
        long from = size - window;
        while (b.hasRemaining() && ch.read(b, from + b.position()) > 0) { /* fill */ }
        byte[] a = b.array();
        int end = b.position();
        int lastNl = -1;
        for (int i = end - 1; i >= 0; i--) if (a[i] == '\n') { lastNl = i; break; }
        if (lastNl < 0) return from == 0 ? 0 : size; // one huge unterminated line: wait for what follows it
        int start = lastNl + 1;
        while (start > 0) {
            int prevNl = -1;
            for (int i = start - 2; i >= 0; i--) if (a[i] == '\n') { prevNl = i; break; }
            if (prevNl < 0 && from > 0) break; // the line may begin before the window: do not guess
            String prev = new String(a, prevNl + 1, start - 1 - (prevNl + 1), StandardCharsets.UTF_8);
            if (!CRI_PARTIAL.matcher(prev).find()) break;
            start = prevNl + 1;
        }
        return from + start;
    }

    // -------------------------------------------------------------------------------------------------- reading

    /**
     * Reads what the file has beyond the position, up to the per-cycle budget, stopping before a line written later
     * than {@code others + ORDER_SLACK_MS} ({@code others}: the oldest next-line time of the other files, or
     * {@link Long#MAX_VALUE}). True when bytes were consumed.
     */
    private boolean read(TrackedFile f, long others) {
        long before = f.readPos;
        f.held = false;
        readCut = false;
        final long horizon = others == Long.MAX_VALUE ? Long.MAX_VALUE : others + ORDER_SLACK_MS;
        try {
            long size = f.source.size();
            if (!f.source.compressed()) { // (a gzipped rotation does not change)
                if (size < f.readPos) {
                    copytruncated(f, "it shrank to " + size + " bytes, below the read position " + f.readPos);
                } else if (size != f.size || f.fpLen < Math.min(size, FINGERPRINT_BYTES)) {
                    if (!checkFingerprint(f, size)) copytruncated(f, "its first bytes changed");
                }
            }
            if (size != f.size) f.lastChangeNanos = System.nanoTime();
            f.size = size;
            long budget = metrics.cycleBytes.get(); // the runner may have changed it since the last cycle
            long consumedTotal = 0;
            while (f.readPos < size && consumedTotal < budget) {
                if (spent()) {
                    readCut = true;
                    break;
                }
                buffer.clear();
                int want = (int) Math.min(buffer.capacity(), size - f.readPos);
                buffer.limit(want);
                while (buffer.hasRemaining()) {
                    if (f.source.read(buffer, f.readPos + buffer.position()) <= 0) break;
                }
                int n = buffer.position();
                if (n == 0) break;
                byte[] a = buffer.array();
                // A file's lines are in write order, so when the chunk's last complete line may go out, every line
                // before it may too: one time read per chunk. Only a chunk that reaches past the horizon is read
                // line by line to find where to stop. (The framer reads each line's time again; this is the one
                // extra read.)
                long lastLineTime = lastLineTime(f, a, n);
                boolean toHorizon = lastLineTime != NO_TIME && lastLineTime > horizon;
                if (!toHorizon && lastLineTime != NO_TIME) f.lastTime = lastLineTime;
                int lineStart = 0;
                long held = NO_TIME;
                for (int i = 0; i < n; i++) {
                    if (a[i] == '\n') {
                        if (toHorizon && !f.skippingOversize) {
                            long t = envelopeTime(a, lineStart, i - lineStart);
                            if (t != NO_TIME) {
                                if (t > horizon) {
                                    held = t; // older lines of another file go first
                                    break;
                                }
                                f.lastTime = t;
                            }
                        }
                        line(f, a, lineStart, i - lineStart, f.readPos + i + 1);
                        lineStart = i + 1;
                    }
                }
                if (lineStart > 0) {
                    f.readPos += lineStart;
                    consumedTotal += lineStart;
                    bytesThisRun += lineStart;
                    metrics.bytesRead.increment(lineStart);
                }
                if (held != NO_TIME) {
                    f.heldPos = f.readPos;
                    f.heldTime = held;
                    f.held = true;
                    heldBack = true;
                    break;
                }
                if (lineStart > 0) continue;
                // no newline in n bytes
                if (f.skippingOversize) {
                    f.readPos += n;
                    consumedTotal += n;
                    continue;
                }
                if (n == buffer.capacity() && buffer.capacity() < physicalCap) {
                    buffer = ByteBuffer.allocate(Math.min(physicalCap, buffer.capacity() * 2));
                    continue;
                }
                if (n >= physicalCap) {
                    oversizedPhysical(f, a, n);
                    f.readPos += n;
                    consumedTotal += n;
                    continue;
                }
                break; // an unfinished last line: wait for its newline
            }
            if ((consumedTotal >= budget || readCut) && f.readPos < size && !f.held && f.lastTime != NO_TIME) {
                // stopped by the file's byte budget or the cycle's end: the next line was written no earlier than the
                // last one read
                f.heldPos = f.readPos;
                f.heldTime = f.lastTime;
            }
            f.behind = Math.max(0, size - f.readPos);
            if (buffer.capacity() > BASE_BUFFER && !f.skippingOversize) buffer = ByteBuffer.allocate(BASE_BUFFER);
        } catch (IOException e) {
            if (f.firstTime("io")) {
                metrics.fileError("read");
                LOG.warn("reading {} failed: {}; will retry", f.origin, e.toString());
            }
        }
        return f.readPos != before;
    }

    /** The envelope time of the last complete line in {@code a[0, n)}, or {@link #NO_TIME}. */
    private static long lastLineTime(TrackedFile f, byte[] a, int n) {
        int end = n - 1;
        while (end >= 0 && a[end] != '\n') end--;
        if (end < 0) return NO_TIME;
        int start = end - 1;
        while (start >= 0 && a[start] != '\n') start--;
        start++;
        // the chunk's only line may be the rest of an oversized line being skipped: not a line of its own
        return start == 0 && f.skippingOversize ? NO_TIME : envelopeTime(a, start, end - start);
    }

    private void copytruncated(TrackedFile f, String why) {
        metrics.truncations.increment();
        LOG.warn("{} was truncated or replaced ({}): reading it again from its start", f.origin, why);
        f.restartAtZero(config.maxLineChars());
    }

    /** Extends or verifies the fingerprint; false when the bytes it covers changed. */
    private boolean checkFingerprint(TrackedFile f, long size) throws IOException {
        int len = (int) Math.min(size, FINGERPRINT_BYTES);
        if (len == 0) return f.fpLen == 0;
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && f.source.read(b, b.position()) > 0) { /* fill */ }
        if (b.position() < len) return false;
        byte[] a = b.array();
        if (f.fpLen > 0) {
            crc.reset();
            crc.update(a, 0, f.fpLen);
            if (crc.getValue() != f.fpCrc) return false;
        }
        if (len > f.fpLen) {
            crc.reset();
            crc.update(a, 0, len);
            f.fpLen = len;
            f.fpCrc = crc.getValue();
            f.dirty = true;
        }
        return true;
    }

    /** Whether a file (decompressed, for a gzipped one) starts with the bytes a fingerprint covers. */
    private static boolean fingerprintMatches(Path p, boolean gzip, int len, long expected) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            return headMatches(head(ch, gzip), len, expected);
        } catch (IOException e) {
            return false;
        }
    }

    /** One physical line (without its newline); {@code endPos} is the file position after its newline. */
    private void line(TrackedFile f, byte[] a, int off, int len, long endPos) {
        metrics.linesRead.increment();
        if (f.skippingOversize) {
            f.skippingOversize = false; // the end of the oversized line: drop it
        } else {
            handle(f, a, off, len);
        }
        if (!f.skippingOversize && !f.framer.hasPending()) {
            f.cleanOffset = endPos;
            f.sinceClean = 0;
            f.dirty = true;
        }
    }

    private void handle(TrackedFile f, byte[] a, int off, int len) {
        String s = new String(a, off, len, StandardCharsets.UTF_8);
        if (s.indexOf('\0') >= 0) {
            deadLetter(f, "binary", "malformed", "binary data: the line holds NUL bytes", -1, s);
            return;
        }
        Frame fr = f.framer.frame(s, a, off, len);
        if (fr.kind() == Frame.Kind.COMPLETE) emit(f, fr);
    }

    private void oversizedPhysical(TrackedFile f, byte[] a, int n) {
        f.skippingOversize = true;
        String head = new String(a, 0, Math.min(n, DeadLetter.MAX_LINE), StandardCharsets.UTF_8);
        deadLetter(f, "oversize", "oversize", "oversize: physical line longer than " + physicalCap
                + " bytes (first bytes kept)", -1, head);
    }

    private void emit(TrackedFile f, Frame fr) {
        if (fr.problem() != null) {
            String reason = fr.problem().startsWith("oversized") ? "oversize" : "truncated";
            deadLetter(f, reason, reason, fr.problem(), fr.timeMillis(), fr.content());
            return;
        }
        f.sinceClean++;
        if (f.toSkip > 0) {
            f.toSkip--;
            return;
        }
        long ts = fr.timeMillis();
        RawLogLine line = new RawLogLine(ts >= 0 ? Times.rfc3339(ts) : null, f.who.namespace(), f.who.pod(),
                f.who.container(), config.node(), fr.content(), f.origin);
        sink.line(line, ts >= 0 ? ts : System.currentTimeMillis());
        metrics.linesProduced.increment();
        uncommitted = true;
    }

    private void deadLetter(TrackedFile f, String counterReason, String kind, String reason, long ts, String content) {
        f.sinceClean++;
        if (f.toSkip > 0) {
            f.toSkip--;
            return;
        }
        if (f.firstTime(counterReason)) {
            LOG.warn("{}: {} (sent to the dead-letter topic; further such lines in this file are only counted)",
                    f.origin, reason);
        }
        metrics.skipped(counterReason);
        DeadLetter dl = new DeadLetter(kind, reason, ts >= 0 ? Times.rfc3339(ts) : null, f.who.namespace(),
                f.who.pod(), f.who.container(), f.origin, content);
        String key = (f.who.namespace() == null ? "-" : f.who.namespace()) + "/" + (f.who.pod() == null ? "-" : f.who.pod());
        sink.deadLetter(key, dl,
                ts >= 0 ? ts : System.currentTimeMillis());
        uncommitted = true;
    }

    /** A rotated file read to its end: its unterminated last line and any open partial line are handed out. */
    private void finish(TrackedFile f) {
        try {
            long size = f.source.size();
            if (size > f.readPos && !f.skippingOversize) {
                int len = (int) Math.min(size - f.readPos, physicalCap);
                ByteBuffer b = ByteBuffer.allocate(len);
                while (b.hasRemaining() && f.source.read(b, f.readPos + b.position()) > 0) { /* fill */ }
                metrics.linesRead.increment();
                handle(f, b.array(), 0, b.position());
                f.readPos += b.position();
            }
        } catch (IOException e) {
            LOG.warn("reading the end of {} failed: {}", f.origin, e.toString());
        }
        for (Frame fr = f.framer.flush(); fr != null; fr = f.framer.flush()) emit(f, fr);
        f.done = true;
        f.skippingOversize = false;
        f.cleanOffset = f.readPos;
        f.sinceClean = 0;
        f.dirty = true;
        f.close();
        LOG.info("finished {} at byte {}", f.path, f.readPos);
    }
}
