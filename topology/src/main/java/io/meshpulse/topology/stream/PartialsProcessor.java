package io.meshpulse.topology.stream;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.attribute.Attribution;
import io.meshpulse.topology.attribute.LinePair;
import io.meshpulse.topology.attribute.ServedServices;
import io.meshpulse.topology.attribute.Workloads;
import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.PairKey;
import io.meshpulse.topology.stats.WindowCounts;
import io.meshpulse.topology.stream.OpenWindows.OpenWindow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per raw-topic task: parse, classify and attribute each line, and count it into the partial counts of its
 * (pair, window) in a changelogged store. When the task's event time passes a window's end plus the grace, the
 * window's partials are resolved (caller IPs to workloads, via the IP table; a server-side line without a service
 * to the service its pod's other inbound lines named, via {@link Names#SERVED_STORE}) and sent on, followed by a
 * watermark to every partition of the pair-keyed stage. The repartition thus carries one record per pair and window and
 * task, not one per line.
 *
 * <p>Event time is the access log's start time. The task's clock is the newest start time it has seen; with no
 * input for {@link Settings#idleAfter()}, the clock advances with the wall clock so that windows close when
 * traffic stops. Once the task hears ingests' heartbeats ({@link IngestHeartbeats}), the oldest "no unread line
 * before T" among them (the frontier) bounds both that idle advance and the closing of windows: a window closes (and
 * a line of it is late) only once the task's clock and the frontier are both past its end plus the grace. An ingest
 * that cannot send (broker down, its tailer restarting) then holds closing back instead of letting its lines arrive
 * late, even while other ingests' lines keep the task busy. Early looks are not held: they follow the task's clock.
 * Heartbeats are not input: they neither count as lines nor keep the task from being idle.
 */
public final class PartialsProcessor implements Processor<byte[], byte[], String, Emitted> {
    static final long NONE = Long.MIN_VALUE;
    /** The key of a task's look marks (the alerts stage keys its input anew; a mark goes to all its partitions). */
    static final String LOOKED_KEY = "-";
    private static final String META_EVENT_TIME = "eventTime";
    private static final String META_CLOSED_UP_TO = "closedUpTo";
    /** The last early-look point whose looks were sent (committed with them, so a restart does not send them again). */
    private static final String META_EARLY_UP_TO = "earlyUpTo";
    private static final int IP_CACHE_LIMIT = 100_000;
    private static final int SERVED_CACHE_LIMIT = 100_000;
    /** Pods whose services were last seen this long before the closed windows are dropped from the store, hourly. */
    private static final long SERVED_PRUNE_INTERVAL = 3600_000L;

    private final long size;
    private final long grace;
    private final long idleAfter;
    private final long punctuateInterval;
    /** How far past a look point event time must be for its early look; negative when early looks are off. */
    private final long early;
    /** The step between look points (a divisor of the window; the window itself: one look a window, at its end). */
    private final long earlyStep;
    private final long closeDelay;
    /** The ingests' heartbeats heard on this task's partition (see {@link IngestHeartbeats}). */
    private final IngestHeartbeats heartbeats;
    private final long heartbeatExpirySeconds;
    /** Parsing tasks in all (the raw topic's partitions): with more than one, callers may be announced by another. */
    private final int rawPartitions;
    /** The longest a window waits (wall clock) for other tasks to announce the owners of the IPs it names. */
    private final long callerHoldLimit;
    /** The newest progress this task has put in the IP topic ({@link #sendProgress}). Memory only. */
    private long progressSent = NONE;
    /** The other tasks' progress keys in the IP table. */
    private String[] othersProgressKeys = new String[0];
    /** How far closing was asked to go when callers named by IP held it back; NONE when nothing is held. */
    private long heldTo = NONE;
    /** Since when (wall clock) closing has been held for callers named by IP; NONE when it is not. */
    private long holdSince = NONE;
    private long holdWarned = Long.MIN_VALUE;
    /**
     * Closes asked for and not yet done, oldest first: {end of the newest closable window, wall time asked}. Memory
     * only: after a restart event time asks again.
     */
    private final java.util.ArrayDeque<long[]> closes = new java.util.ArrayDeque<>();

    private final AccessLogParser parser = new AccessLogParser();
    private final Workloads workloads = new Workloads();
    private final BinaryWriter keyWriter = new BinaryWriter(128);
    /**
     * Every window open in this task, decoded, by window and line pair; written to {@link #partials} once per commit
     * instead of once per line, and read back from it only when the task (re)starts.
     */
    private final OpenWindows<LiveKey> windows = new OpenWindows<>();
    /**
     * With one raw partition (this task is the IP table's only writer), its latest announcements as the table will
     * hold them, so that callers resolve without waiting for the table to read them back; null otherwise.
     */
    private final RecentAnnouncements own;
    /** IPs this task has announced, with their owner {namespace, pod}: an IP-table update only when one changed. */
    private final Map<String, String[]> announcedIps = new HashMap<>();
    /** The record being processed, decoded (its line buffer is reused). */
    private final RawLines.Fields fields = new RawLines.Fields();

    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<Bytes, byte[]> partials;
    private KeyValueStore<String, Long> meta;
    private KeyValueStore<String, IpOwner> ipOwners;
    /** {@link #ipOwners} as the IP table's readers take it (read only here). */
    private IpOwnersUpdater.Table ipTable;
    /**
     * Per pod ({@code namespace/pod}) of this task, the services its inbound lines named per port. A pod's lines all
     * come to one task (the raw topic is keyed by pod), so this task sees everything there is to know about its
     * pods; changelogged, so a restart or a move of the task keeps it.
     */
    private KeyValueStore<String, byte[]> servedStore;
    /** The decoded form of {@link #servedStore}'s entries that were used, by namespace and pod; the store is the truth. */
    private final Map<String, Map<String, ServedServices>> served = new HashMap<>();
    private int servedCached;
    private int task;
    private long eventTime = NONE;
    private long closedUpTo = NONE;
    /** The last look point: windows ending at or before it have had their last early look (kept in the meta store). */
    private long earlyUpTo = NONE;
    private long oldestOpenWindow = Long.MAX_VALUE;
    private long lastInputWall;
    private long lastPunctuateWall;
    /**
     * Where the wall-clock idle advance alone would have put the clock (the clock itself when no heartbeat bounds
     * it): the idle clock is this, capped by the heartbeats' frontier. Memory only: a restart starts it at the clock.
     */
    private long idleClock = NONE;
    /** When the log last said that heartbeats hold the idle clock back (wall clock). */
    private long heldWarned = Long.MIN_VALUE;
    /** Late lines since the last warning about them, the oldest window among them, and when that warning was. */
    private long lateLines;
    private long lateOldest = Long.MAX_VALUE;
    private long lateWarned = Long.MIN_VALUE;

    public PartialsProcessor(Settings settings) {
        this.size = settings.window().toMillis();
        this.grace = settings.grace().toMillis();
        this.idleAfter = settings.idleAfter().toMillis();
        this.punctuateInterval = settings.punctuateInterval().toMillis();
        this.early = settings.earlyLooks() ? settings.early().toMillis() : -1;
        this.earlyStep = settings.earlyStep().toMillis();
        this.closeDelay = settings.closeDelay().toMillis();
        this.heartbeatExpirySeconds = settings.heartbeatExpiry().toSeconds();
        this.rawPartitions = settings.rawPartitions();
        this.own = rawPartitions == 1 ? new RecentAnnouncements() : null;
        this.callerHoldLimit = settings.heartbeatExpiry().toMillis();
        this.heartbeatWallLimitSeconds = settings.heartbeatWallLimit().toSeconds();
        this.heartbeats = new IngestHeartbeats(settings.heartbeatExpiry().toMillis(),
                settings.heartbeatWallLimit().toMillis());
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.partials = context.getStateStore(Names.PARTIALS_STORE);
        this.meta = context.getStateStore(Names.PARTIALS_META_STORE);
        this.ipOwners = context.getStateStore(Names.IP_OWNERS_STORE);
        this.ipTable = IpOwnersUpdater.Table.of(ipOwners);
        this.servedStore = context.getStateStore(Names.SERVED_STORE);
        this.task = context.taskId().partition();
        List<String> others = new ArrayList<>();
        for (int t = 0; t < rawPartitions; t++) if (t != task) others.add(IpOwnersUpdater.PROGRESS_PREFIX + t);
        othersProgressKeys = others.toArray(new String[0]);
        windows.load(partials, k -> new LiveKey(linePairOf(k.get())));
        oldestOpenWindow = windows.oldestStart();
        Long et = meta.get(META_EVENT_TIME);
        Long cu = meta.get(META_CLOSED_UP_TO);
        eventTime = et == null ? NONE : et;
        closedUpTo = cu == null ? NONE : cu;
        if (eventTime != NONE && early >= 0) {
            long t = eventTime - early;
            earlyUpTo = Math.max(closedUpTo, t - Math.floorMod(t, earlyStep)); // looked at before the restart
        } else {
            earlyUpTo = closedUpTo;
        }
        Long eu = meta.get(META_EARLY_UP_TO);
        if (early >= 0 && eu != null && eu > earlyUpTo) {
            // The stored event time is written when windows close; the looks went on after it.
            earlyUpTo = eu - Math.floorMod(eu, earlyStep);
        }
        lastInputWall = context.currentSystemTimeMs();
        lastPunctuateWall = lastInputWall;
        heartbeats.restore(meta, lastInputWall);
        // per task, and removed with it, like the consumed-records metric it is subtracted from
        heartbeatsIn = context.metrics().addRateTotalSensor(HEARTBEAT_METRICS_SCOPE,
                Names.PAIR_PARTIALS + "-" + context.taskId(), HEARTBEAT_METRICS_OPERATION, Sensor.RecordingLevel.INFO);
        if (heartbeats.any()) {
            LOG.info("task {}: following the heartbeats of {} ingest instance(s) again; the idle clock goes no further "
                    + "than {}", context.taskId(), heartbeats.size(), Times.rfc3339(heartbeats.frontier()));
        }
        Object board = context.appConfigs().get(CloseHolds.CONFIG);
        holds = board instanceof CloseHolds h ? h : null;
        taskName = context.taskId().toString();
        reportHolds();
        context.schedule(settingsInterval(), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
    }

    @Override
    public void close() {
        if (heartbeatsIn != null) context.metrics().removeSensor(heartbeatsIn);
        if (holds != null) holds.forget(taskName, this);
    }

    /** Where the application's metrics read how far heartbeats hold closing back; null when it reads none. */
    private CloseHolds holds;
    private String taskName;

    /**
     * Tells the metrics how far the heartbeats hold this task's closing back, and how far each ingest it follows is
     * behind (see {@link CloseHolds}), measured from the clock the task would close on without heartbeats: its event
     * time, or the wall-clock idle advance's own clock while idle (the idle clock itself stops at the frontier). That
     * clock is taken no further than the wall clock: a node whose clock is ahead takes event time ahead with its
     * lines, and the other tailers' heartbeats then hold closing back to the real time, which delays nothing that
     * the wall clock sees (without the cap every other tailer would look that far behind, and the one at fault not).
     */
    private void reportHolds() {
        if (holds == null) return;
        long clock = Math.min(Math.max(eventTime, idleClock), context.currentSystemTimeMs());
        if (!heartbeats.any()) {
            holds.report(taskName, this, 0, java.util.Map.of());
        } else {
            // no clock yet (heartbeats heard, no line, not idle for long enough): followed, nothing held
            long held = clock == NONE ? 0 : Math.max(0, clock - heartbeats.frontier());
            holds.report(taskName, this, held, heartbeats.behind(clock));
        }
    }

    private java.time.Duration settingsInterval() {
        return java.time.Duration.ofMillis(Math.max(1, punctuateInterval));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        heartbeats.heardSomething(); // any record: a silent instance's silence counts only while others are heard
        Header control = record.headers().lastHeader(Names.CONTROL_HEADER);
        if (control != null) {
            String kind = control.value() == null ? ""
                    : new String(control.value(), java.nio.charset.StandardCharsets.UTF_8);
            if (Names.HEARTBEAT.equals(kind)) {
                heartbeat(record); // not input: the task stays idle if it was
                return;
            }
            if (Names.COMMIT_NOW.equals(kind)) {
                context.commit(); // not input either; what was read before it is committed now
                return;
            }
            lastInputWall = context.currentSystemTimeMs();
            if (Names.END_OF_INPUT.equals(kind)) {
                if (record.headers().lastHeader(Names.IP_TABLE_SETTLED_HEADER) != null || own != null) {
                    // Nothing to wait for: the sender saw the IP table hold every announced IP (a replay over
                    // several partitions does), or this task is the only one and resolves from its own announcements.
                    sendProgress(Long.MAX_VALUE, record.timestamp());
                    closeWindowsUpTo(Long.MAX_VALUE, record.timestamp());
                    context.commit(); // the last partials out now rather than at the next commit interval
                } else {
                    // Every window may close, after the close delay like any other: the other tasks' last
                    // announcements of their pods' IPs must reach the IP table before this task resolves its callers.
                    askClose(Long.MAX_VALUE, record.timestamp());
                }
            }
            return;
        }
        lastInputWall = context.currentSystemTimeMs();
        RawLines.Fields raw = fields;
        if (!RawLines.decodeRecord(record.key(), record.value(), raw)) {
            dead(record, "malformed", "raw record is neither a RawLogLine JSON object nor text", null, null);
            return;
        }
        // The record reads its free-text values from raw.line, which is only rewritten by the next record's
        // decode: everything below reads the record before returning, and nothing keeps it.
        AccessLogRecord log = parser.parseView(raw.line, 0, raw.lineLength);
        if (log == null) {
            dead(record, "rejected", parser.rejection(), raw.toRawLogLine(), raw.ts());
            return;
        }
        String pod = raw.pod;
        String namespace = raw.namespace;
        String workload = workloads.of(pod);
        announceIp(log, namespace, workload, pod);

        long start = log.startTimeMillis();
        if (start > eventTime) {
            eventTime = start;
            askClose(closableUpTo(), record.timestamp());
            earlyLookUpTo(record.timestamp());
        }
        long windowStart = start - Math.floorMod(start, size);
        // Late is decided on event time alone: a window whose grace has passed takes no more lines, even while it
        // waits out the close delay. The delay is wall-clock time, there only so that callers' IPs reach the IP
        // table before the window is resolved; if it also decided lateness, the same input would count differently
        // on a fast and a slow machine (a replay sends minutes of event time within the delay, so no line of it
        // was ever late).
        long lateUpTo = Math.max(closedUpTo, closableUpTo());
        if (windowStart + size <= lateUpTo) {
            dead(record, "late", "late by more than the grace: window " + Times.rfc3339(windowStart) + " closed at "
                    + (lateUpTo == Long.MAX_VALUE ? "end of input" : Times.rfc3339(lateUpTo))
                    + " (grace " + grace / 1000 + "s)", raw.toRawLogLine(), log.startTime());
            lateLines++;
            lateOldest = Math.min(lateOldest, windowStart);
            warnLate(context.currentSystemTimeMs());
            return;
        }
        LinePair pair = Attribution.of(log, namespace, workload, pod);
        String taught = Attribution.servedService(log, pair, namespace);
        if (taught != null) learnServed(namespace, pod, Attribution.servedPort(log), taught, start);
        LiveKey liveKey = new LiveKey(pair);
        OpenWindow open = windows.get(windowStart, liveKey);
        if (open == null) {
            open = windows.open(windowStart, liveKey, Bytes.wrap(partialKey(windowStart, pair)), new WindowCounts());
        }
        WindowCounts counts = open.counts;
        counts.add(log.responseCode(), log.failureClass(), log.durationMs(), log.bytesSent(), log.bytesReceived(),
                counts.wantsExample(log.failureClass()) ? raw.line() : null);
        windows.touched(open);
        if (windowStart < oldestOpenWindow) oldestOpenWindow = windowStart;
    }

    /**
     * The end of the newest window whose grace has passed, on window boundaries so that watermarks move in steps.
     * While the task follows ingests' heartbeats, the grace must also have passed for the frontier (the oldest T
     * among them): a window closes only when no followed ingest can still send a line of it on time. Early looks
     * are not bound by it ({@link #earlyLookUpTo}).
     */
    private long closableUpTo() {
        if (eventTime == NONE) return NONE;
        long upTo = eventTime;
        if (heartbeats.any()) upTo = Math.min(upTo, heartbeats.frontier());
        long t = upTo - grace;
        return t - Math.floorMod(t, size);
    }

    /**
     * Late lines are dead letters, never counted: right for a line that arrives after its window was published, but
     * a surprise when whole files arrive late (read from their beginning after a long stop, or written by a node whose
     * clock is far behind). So they are also said in the log: at the first one, then at most once a minute.
     */
    private void warnLate(long now) {
        if (lateLines == 0 || (lateWarned != Long.MIN_VALUE && now - lateWarned < LATE_WARNING_INTERVAL_MS)) return;
        LOG.warn("task {}: {} line(s) dead-lettered as late since {}: their windows (the oldest starting {}) had "
                        + "closed, at event time {} with a grace of {} s, so they are not counted. Lines this old "
                        + "come from files read from their beginning or after a long stop, or from a node whose clock "
                        + "is behind; they are in the dead-letter topic with kind \"late\".", context.taskId(),
                lateLines, lateWarned == Long.MIN_VALUE ? "the start" : "the last warning", Times.rfc3339(lateOldest),
                eventTime == NONE ? "-" : Times.rfc3339(eventTime), grace / 1000);
        lateWarned = now;
        lateLines = 0;
        lateOldest = Long.MAX_VALUE;
    }

    private static final long LATE_WARNING_INTERVAL_MS = 60_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartialsProcessor.class);

    private void onWallClock(long now) {
        advanceOnWallClock(now);
        reportHolds();
    }

    private void advanceOnWallClock(long now) {
        warnLate(now);
        if (own != null) own.prune(now);
        long elapsed = now - lastPunctuateWall;
        lastPunctuateWall = now;
        askClose(NONE, now); // closes that have waited their delay, input or not
        if (heldTo != NONE && heldTo > closedUpTo) closeUpTo(heldTo, now); // held for callers named by IP: again
        heartbeats.tick(now);
        boolean followed = heartbeats.any();
        expireHeartbeats(now);
        earlyLookUpTo(now); // the frontier may have moved on (an instance that held it expired)
        if (followed) {
            // The frontier, not only event time, bounds closing: it may have moved (heartbeats), or an instance
            // holding it may just have expired, while the task was busy with lines no newer than its clock.
            askClose(closableUpTo(), now);
            if (heartbeats.any() && eventTime != NONE) warnHeld(now, eventTime, heartbeats.frontier());
        }
        if (now - lastInputWall < idleAfter) return;
        if (closedUpTo == Long.MAX_VALUE) return;
        // Nothing counted here yet: live, event time follows the wall clock, so this task holds back no window that
        // ended before (now - idleAfter - grace); it must not claim more (it once sent "everything", which made every
        // later line of a task that starts late count as late). Otherwise the clock advances with the wall clock.
        long wall = eventTime == NONE ? now - idleAfter : Math.max(idleClock, eventTime) + Math.max(0, elapsed);
        long to = wall;
        if (heartbeats.any()) {
            // Only as far as every ingest heard from has read: lines it has not sent yet (the broker away, the tailer
            // backing off) are not late when they come. And as far as that, even when the clock advanced from is
            // stale: a task restarted (or re-initialised after the broker came back) resumes from the clock it had
            // stored, minutes behind after a long stop, and an idle task would otherwise stay that far behind for
            // good, holding back every pair's windows (they are emitted only once every task has passed them). The
            // frontier makes the jump safe: a heartbeat follows, on this partition, every line written before it.
            long frontier = heartbeats.frontier();
            wall = Math.max(wall, now - idleAfter);
            to = Math.min(wall, frontier);
            warnHeld(now, wall, frontier);
        }
        idleClock = wall;
        if (to != NONE && (eventTime == NONE || to > eventTime)) eventTime = to;
        askClose(closableUpTo(), now);
        earlyLookUpTo(now);
    }

    /** A heartbeat: "ingest {@code key} has no unread line written before the value's time" (see Names#HEARTBEAT). */
    private void heartbeat(Record<byte[], byte[]> record) {
        heartbeatsIn.record();
        java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
        String instance = record.key() == null ? "-" : new String(record.key(), utf8);
        String value = record.value() == null ? "" : new String(record.value(), utf8);
        long upTo = io.meshpulse.model.Rfc3339.parseMillis(value, 0, value.length());
        if (upTo == io.meshpulse.model.Rfc3339.INVALID) {
            // A heartbeat is never a dead letter: it is not a line. Said once per task; the instance stays as it was.
            if (!badHeartbeatWarned) {
                LOG.warn("task {}: ignoring a heartbeat of {} whose value is not an RFC 3339 time: '{}'",
                        context.taskId(), instance, value.length() > 64 ? value.substring(0, 64) + "…" : value);
                badHeartbeatWarned = true;
            }
            return;
        }
        long before = heartbeats.frontier();
        if (heartbeats.heard(instance, upTo, context.currentSystemTimeMs())) {
            heartbeats.flush(meta); // stored at once, so that a restart right after this still waits for it
            LOG.info("task {}: ingest {} sends heartbeats; windows now close, and the idle clock goes, no further "
                    + "than what every ingest heard from has read ({} instance(s))", context.taskId(), instance,
                    heartbeats.size());
        }
        if (heartbeats.frontier() > before) {
            askClose(closableUpTo(), record.timestamp());
            earlyLookUpTo(record.timestamp());
        }
    }

    private boolean badHeartbeatWarned;
    /**
     * Heartbeats read, as a Kafka Streams metric (group {@code stream-meshpulse-metrics}, {@code heartbeats-total}):
     * the raw topic's consumed-records metric counts them too, and the application subtracts them to count lines.
     */
    private Sensor heartbeatsIn;
    public static final String HEARTBEAT_METRICS_SCOPE = "meshpulse";
    public static final String HEARTBEAT_METRICS_OPERATION = "heartbeats";

    /**
     * Drops the ingest instances silent for the expiry while others were heard, or for the wall limit in all
     * ({@link IngestHeartbeats#expire}); the windows they held then close. A task left with none goes back to the
     * wall-clock idle advance from where its clock stands (not from where the wall clock would have taken it
     * meanwhile, which would close at once every window the heartbeats held open).
     */
    private void expireHeartbeats(long now) {
        if (!heartbeats.any()) return;
        List<String> gone = heartbeats.expire(now, meta);
        heartbeats.flush(meta);
        if (gone.isEmpty()) return;
        LOG.warn("task {}: no heartbeat from ingest {} for {} s while others were heard (or for {} s in all): no "
                + "longer waiting for it{}", context.taskId(), gone, heartbeatExpirySeconds, heartbeatWallLimitSeconds,
                heartbeats.any() ? ""
                        : "; no ingest sends heartbeats here now, so the idle clock follows the wall clock again");
        if (!heartbeats.any()) idleClock = eventTime;
    }

    private final long heartbeatWallLimitSeconds;

    /**
     * Says in the log, at most once a minute, when heartbeats hold closing (or the idle clock) back by more than the
     * grace behind {@code clock} (the task's clock, or where the wall-clock idle advance would have put it).
     */
    private void warnHeld(long now, long clock, long frontier) {
        if (clock - frontier <= grace) return;
        if (heldWarned != Long.MIN_VALUE && now - heldWarned < LATE_WARNING_INTERVAL_MS) return;
        heldWarned = now;
        LOG.warn("task {}: holding its windows' closing (and its idle clock) at {}, {} s behind its clock, because "
                        + "ingest {} has not read past it; its lines up to then will still count when they come. An "
                        + "instance silent for {} s while others are heard (or for {} s in all) is no longer waited "
                        + "for.", context.taskId(), Times.rfc3339(frontier), (clock - frontier) / 1000,
                heartbeats.slowest(now), heartbeatExpirySeconds, heartbeatWallLimitSeconds);
    }

    /**
     * Windows ending at or before {@code upTo} may close (their grace has passed); they do once they have waited
     * {@link Settings#closeDelay()} of wall-clock time, so that other tasks' IP announcements are in the IP table.
     */
    private void askClose(long upTo, long timestamp) {
        long now = context.currentSystemTimeMs();
        if (upTo != NONE) sendProgress(upTo, timestamp);
        if (upTo != NONE && upTo > closedUpTo && (closes.isEmpty() || upTo > closes.peekLast()[0])) {
            closes.addLast(new long[] {upTo, now});
        }
        long due = NONE;
        while (!closes.isEmpty() && closes.peekFirst()[1] <= now - closeDelay) due = closes.pollFirst()[0];
        if (due != NONE) closeUpTo(due, timestamp);
    }

    /**
     * Closes every window ending at or before {@code upTo}, except those that must wait for other tasks to
     * announce their callers' IPs ({@link #callerSafeUpTo}); those are tried again at each punctuation.
     */
    private void closeUpTo(long upTo, long timestamp) {
        long target = Math.max(upTo, heldTo); // NONE is Long.MIN_VALUE
        if (target == NONE || target <= closedUpTo) return;
        long safe = callerSafeUpTo(target, context.currentSystemTimeMs());
        heldTo = safe < target ? target : NONE;
        closeWindowsUpTo(safe, timestamp);
    }

    /**
     * Tells the other tasks, through the IP topic, that this task has announced the IPs of the pods in every line it
     * read that started before {@code upTo} (the end of its newest closable window: what is older is late). Only
     * when there are other tasks, and only when it moved.
     */
    private void sendProgress(long upTo, long timestamp) {
        if (rawPartitions <= 1 || upTo <= progressSent) return;
        progressSent = upTo;
        context.forward(new Record<>(IpOwnersUpdater.PROGRESS_PREFIX + task,
                new Emitted.Ip(new IpOwner(null, null, null, upTo)), Math.max(0, timestamp)));
    }

    /**
     * How far windows may close now without resolving a caller named by IP before every task that could announce its
     * owner has done so. Each task announces the IPs of its own pods (from their lines) and resolves its windows'
     * callers through the IP table when they close. The close delay gives announcements time to travel when tasks
     * move forward together; it does not when one task is far behind another (two instances reading a backlog at
     * different speeds, one started later, a task just moved to another instance). Then a caller may be unknown yet,
     * and a known one may be out of date: Kubernetes gives a deleted pod's IP to a new pod, and the task reading the
     * new pod (or, the other way round, the old one) may not have announced it. The table keeps first sightings, not
     * last ones, so nothing in it tells a live owner from a stale one. So a window naming any caller (or server) by
     * IP waits until every other task's progress ({@link #sendProgress}) has passed its end: by then the table holds
     * every owner first seen before the end, and {@link IpOwnersUpdater#ownerAt} is final. It waits for
     * {@link #callerHoldLimit} at most (an instance may be down), after which it resolves with what the table holds.
     * Windows that name no IP close as usual, and nothing waits when the others are ahead (the usual case, live).
     */
    private long callerSafeUpTo(long upTo, long now) {
        if (othersProgressKeys.length == 0 || upTo == NONE) return upTo;
        long others = Long.MAX_VALUE;
        for (String k : othersProgressKeys) others = Math.min(others, IpOwnersUpdater.progressOf(ipOwners, k));
        if (others >= upTo) {
            holdSince = NONE;
            return upTo;
        }
        long from = Math.max(others, closedUpTo); // windows ending by then are safe either way
        // the oldest window that ends after 'from' and by 'upTo' and names an IP
        long firstHeld = windows.firstStartWith(from < Long.MIN_VALUE + size ? Long.MIN_VALUE : from - size + 1,
                upTo - size, k -> namesIp(k.pair));
        if (firstHeld == Long.MAX_VALUE) {
            holdSince = NONE;
            return upTo;
        }
        if (holdSince == NONE) holdSince = now;
        if (now - holdSince < callerHoldLimit) return firstHeld;
        holdSince = NONE;
        if (holdWarned == Long.MIN_VALUE || now - holdWarned >= LATE_WARNING_INTERVAL_MS) {
            holdWarned = now;
            LOG.warn("task {}: closing windows from {} that name callers by IP, after waiting {} s for other tasks to "
                            + "read that far (the slowest is at {}: its instance may be down or far behind); callers "
                            + "no pod has announced are counted under the IP, and an IP that passed to a new pod "
                            + "meanwhile (or before) may be counted under the wrong owner",
                    context.taskId(), Times.rfc3339(firstHeld), callerHoldLimit / 1000,
                    others == Long.MIN_VALUE ? "no progress yet" : Times.rfc3339(others));
        }
        return upTo;
    }

    /** Whether a line pair names a caller (or a server) by IP, to be resolved through the IP table. */
    private static boolean namesIp(LinePair p) {
        return (p.sourceWorkload() == null && p.sourceIp() != null)
                || (p.destinationWorkload() == null && p.destinationIp() != null);
    }

    /** Closes every window ending at or before {@code upTo}: sends its partials, then a watermark. */
    private void closeWindowsUpTo(long upTo, long timestamp) {
        if (upTo == NONE || upTo <= closedUpTo) return;
        if (oldestOpenWindow != Long.MAX_VALUE && oldestOpenWindow + size <= upTo) {
            long lastStart = upTo == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : upTo - size;
            Map<ResolvedKey, WindowCounts> merged = merge(windows.closeUpTo(lastStart), false);
            for (Map.Entry<ResolvedKey, WindowCounts> e : merged.entrySet()) {
                PairKey pair = e.getKey().pair();
                PartialMsg msg = new PartialMsg.Partial(e.getKey().windowStart(), pair, e.getValue());
                context.forward(new Record<>(pair.toKeyString(), new Emitted.ToPartials(msg), timestamp));
            }
            oldestOpenWindow = windows.oldestStart();
        }
        if (upTo != Long.MAX_VALUE && closedUpTo != NONE
                && upTo / SERVED_PRUNE_INTERVAL != closedUpTo / SERVED_PRUNE_INTERVAL) {
            pruneServed(upTo - ServedServices.MEMORY_MILLIS);
        }
        closedUpTo = upTo;
        while (!closes.isEmpty() && closes.peekFirst()[0] <= closedUpTo) closes.pollFirst();
        if (earlyUpTo < closedUpTo) earlyUpTo = closedUpTo;
        meta.put(META_CLOSED_UP_TO, closedUpTo);
        meta.put(META_EVENT_TIME, eventTime);
        forwardWatermark(closedUpTo, timestamp);
    }

    /**
     * The counts of {@code sorted} (in store-key order: window start first), merged per window and resolved pair
     * (caller IPs resolved through the IP table to the pod that held them in the window). Several line pairs
     * resolve to one pair when callers were named by IP. With {@code copy} the windows' own counts are left as
     * they are (they stay open); otherwise the first window of each resolved pair takes the others' counts.
     */
    private Map<ResolvedKey, WindowCounts> merge(List<OpenWindow> sorted, boolean copy) {
        Map<ResolvedKey, WindowCounts> merged = new LinkedHashMap<>();
        Map<String, IpOwner> lookups = new HashMap<>(); // the IP table's answers for the window at hand
        long lookupsFor = NONE;
        for (OpenWindow open : sorted) {
            long ws = open.windowStart;
            if (ws != lookupsFor) {
                lookups.clear();
                lookupsFor = ws;
            }
            ResolvedKey key = new ResolvedKey(ws, resolve(open.key.get(), ws + size, lookups));
            WindowCounts prev = merged.get(key);
            if (prev == null) {
                WindowCounts first = open.counts;
                if (copy) {
                    first = new WindowCounts();
                    first.merge(open.counts);
                }
                merged.put(key, first);
            } else {
                prev.merge(open.counts);
            }
        }
        return merged;
    }

    /**
     * Early looks: once event time has passed a look point by {@link Settings#early()}, sends this task's counts of
     * the windows that ended since the last point, and of the window the point falls in (when looks come more than
     * once a window, {@link Settings#earlyEvery()}), as they stand, for the alerts stage only. A look inside a window
     * is sent as a window from its start to the point. The windows stay open; their partials go on as usual when
     * the grace has passed. The last point is kept in the meta store, committed with the looks, so a restarted task
     * goes on from there: a look sent twice could meet its first copy in the alerts stage, which adds up the looks
     * at one point (one per task), and count its calls twice.
     */
    private void earlyLookUpTo(long timestamp) {
        if (early < 0) return;
        long clock = lookClock();
        if (clock == NONE) return;
        long t = clock - early;
        long point = t - Math.floorMod(t, earlyStep);
        if (point <= earlyUpTo) return;
        // Windows that ended after the last point (their last look), and the one the point is inside of.
        long endedFrom = earlyUpTo == NONE ? Long.MIN_VALUE : earlyUpTo - size;
        long inside = point - Math.floorMod(point, size);
        boolean mid = inside != point;
        long oldestNotLooked = endedFrom == Long.MIN_VALUE ? oldestOpenWindow : Math.max(oldestOpenWindow, endedFrom + 1);
        if (oldestNotLooked <= point - size || mid) {
            List<OpenWindow> looked = windows.startingIn(endedFrom + 1, point - size);
            if (mid) looked.addAll(windows.startingIn(inside, inside));
            looked.sort((a, b) -> a.key.compareTo(b.key));
            Map<ResolvedKey, WindowCounts> merged = merge(looked, true);
            for (Map.Entry<ResolvedKey, WindowCounts> e : merged.entrySet()) {
                long ws = e.getKey().windowStart();
                PairKey pair = e.getKey().pair();
                WindowCounts c = e.getValue();
                long length = ws + size <= point ? size : point - ws;
                Emitted.Early look = new Emitted.Early(WindowsProcessor.toStats(ws, length, pair, c), c.exemplars());
                context.forward(new Record<>(pair.toKeyString(), look, timestamp));
            }
        }
        earlyUpTo = point;
        meta.put(META_EARLY_UP_TO, point);
        // Then the mark, to every partition of the alerts stage's input, after the looks it vouches for (one
        // producer, so in the same order there): once every task's mark has passed a point, the stage judges it.
        context.forward(new Record<>(LOOKED_KEY, new Emitted.Looked(point, task, rawPartitions), timestamp));
        // Live, out now rather than at the next commit interval (up to a second): the alert waits for them. Not
        // when catching up on a backlog, whose points pass many times a second.
        if (point >= context.currentSystemTimeMs() - size) context.commit();
    }

    /**
     * The clock early looks follow: event time, or the ingests' heartbeat frontier when that is ahead ("no line
     * written before it is still unread"; lines are written when the request ends, after their start time). On a
     * task with few lines, event time stands still between them, and its looks, and the marks every look point
     * waits for, would lag by as much; the frontier keeps moving.
     */
    private long lookClock() {
        return heartbeats.any() ? Math.max(eventTime, heartbeats.frontier()) : eventTime;
    }

    /**
     * Learns from a line that its pod was called through {@code service} on {@code port}. Learnt only from lines
     * that are counted (after the lateness check): a window resolves with sightings that started before its end,
     * and once it may close no more of those can come, so the answer does not depend on when it actually closes.
     */
    private void learnServed(String namespace, String pod, String port, String service, long start) {
        ServedServices s = served(namespace, pod);
        if (s.learn(port, service, start)) servedStore.put(servedKey(namespace, pod), s.encode());
    }

    private ServedServices served(String namespace, String pod) {
        Map<String, ServedServices> pods = served.get(namespace);
        ServedServices s = pods == null ? null : pods.get(pod);
        if (s == null) {
            if (servedCached >= SERVED_CACHE_LIMIT) {
                served.clear();
                servedCached = 0;
            }
            s = ServedServices.decode(servedStore.get(servedKey(namespace, pod)));
            served.computeIfAbsent(namespace, k -> new HashMap<>()).put(pod, s);
            servedCached++;
        }
        return s;
    }

    private static String servedKey(String namespace, String pod) {
        return namespace + "/" + pod;
    }

    /** Forgets the pods not seen called since {@code before} (deleted pods, mostly): the store stays as large as the task's pods. */
    private void pruneServed(long before) {
        List<String> gone = new ArrayList<>();
        try (org.apache.kafka.streams.state.KeyValueIterator<String, byte[]> it = servedStore.all()) {
            while (it.hasNext()) {
                org.apache.kafka.streams.KeyValue<String, byte[]> kv = it.next();
                if (ServedServices.decode(kv.value).staleBefore(before)) gone.add(kv.key);
            }
        }
        for (String k : gone) servedStore.delete(k);
        if (!gone.isEmpty()) {
            served.clear();
            servedCached = 0;
        }
    }

    private void forwardWatermark(long upTo, long timestamp) {
        PartialMsg wm = new PartialMsg.Watermark(task, upTo);
        context.forward(new Record<>("watermark/" + task, new Emitted.ToPartials(wm), Math.max(0, timestamp)));
    }

    private byte[] partialKey(long windowStart, LinePair p) {
        keyWriter.reset().writeLongBE(windowStart).writeByte(p.sourceReporter() ? 0 : 1)
                .writeString(p.sourceNamespace()).writeString(p.sourceWorkload()).writeString(p.sourceIp())
                .writeString(p.destinationNamespace()).writeString(p.destinationService())
                .writeString(p.destinationWorkload()).writeString(p.destinationIp());
        // only on lines whose service is found when the window resolves; keys written before these fields end here
        if (p.destinationPod() != null) keyWriter.writeString(p.destinationPod()).writeString(p.destinationPort());
        return keyWriter.toByteArray();
    }

    /** The line pair a stored partial key was written from ({@link #partialKey}). */
    private static LinePair linePairOf(byte[] key) {
        BinaryReader r = new BinaryReader(key, 8, key.length - 8);
        boolean sourceReporter = r.readByte() == 0;
        String srcNs = r.readString();
        String srcWl = r.readString();
        String srcIp = r.readString();
        String dstNs = r.readString();
        String dstSvc = r.readString();
        String dstWl = r.readString();
        String dstIp = r.readString();
        String dstPod = r.hasRemaining() ? r.readString() : null;
        String dstPort = r.hasRemaining() ? r.readString() : null;
        return new LinePair(sourceReporter, srcNs, srcWl, srcIp, dstNs, dstSvc, dstWl, dstIp, dstPod, dstPort);
    }

    /**
     * Turns a stored partial key into the pair, naming callers known only by IP after the pod that held the IP
     * during the window (as the IP table knows it now), and giving a server-side line without a service the one
     * service its pod was called through on that port before the window's end (none when it was several).
     */
    private PairKey resolve(byte[] key, long windowEnd, Map<String, IpOwner> lookups) {
        LinePair p = linePairOf(key);
        String srcNs = p.sourceNamespace();
        String srcWl = p.sourceWorkload();
        String dstWl = p.destinationWorkload();
        if (srcWl == null && p.sourceIp() != null) {
            IpOwner owner = lookup(p.sourceIp(), windowEnd, lookups);
            if (owner != null) {
                srcNs = owner.namespace();
                srcWl = owner.workload();
            } else {
                srcNs = null;
                srcWl = p.sourceIp();
            }
        }
        if (dstWl == null && p.destinationIp() != null) {
            IpOwner owner = lookup(p.destinationIp(), windowEnd, lookups);
            if (owner != null) dstWl = owner.workload();
        }
        String service = p.destinationService();
        if (p.serviceToResolve()) {
            service = served(p.destinationNamespace(), p.destinationPod()).serviceAt(p.destinationPort(), windowEnd);
        }
        return new PairKey(p.reporter(), srcNs, srcWl, p.destinationNamespace(), service, dstWl);
    }

    /**
     * The IP's owner during the window (an IP may have passed from a deleted pod to a new one since); {@code lookups}
     * holds the answers for this window.
     */
    private IpOwner lookup(String ip, long windowEnd, Map<String, IpOwner> lookups) {
        return lookups.computeIfAbsent(ip, k -> own != null ? own.ownerAt(k, windowEnd, ipTable)
                : IpOwnersUpdater.ownerAt(ipTable, k, windowEnd));
    }

    private void announceIp(AccessLogRecord log, String namespace, String workload, String pod) {
        String ip = Attribution.ownIp(log);
        if (ip == null || pod == null) return;
        String[] owner = announcedIps.get(ip);
        if (owner != null && pod.equals(owner[1]) && Objects.equals(namespace, owner[0])) return;
        if (announcedIps.size() >= IP_CACHE_LIMIT) announcedIps.clear();
        announcedIps.put(ip, new String[] {namespace, pod});
        IpOwner value = new IpOwner(namespace, workload, pod, log.startTimeMillis());
        context.forward(new Record<>(ip, new Emitted.Ip(value), Math.max(0, log.startTimeMillis())));
        if (own != null) own.announce(ip, value, ipTable, context.currentSystemTimeMs());
    }

    private void dead(Record<byte[], byte[]> record, String kind, String reason, RawLogLine raw, String ts) {
        String line = raw != null ? raw.line()
                : record.value() == null ? null : new String(record.value(), java.nio.charset.StandardCharsets.UTF_8);
        DeadLetter letter = new DeadLetter(kind, reason, ts,
                raw == null ? null : raw.namespace(), raw == null ? null : raw.pod(),
                raw == null ? null : raw.container(), raw == null ? null : raw.origin(), line);
        String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
        context.forward(new Record<>(key, new Emitted.Dead(letter), record.timestamp()));
    }

    private record ResolvedKey(long windowStart, PairKey pair) {}

    /**
     * A pair as a line names it: the key of its open window among those of one start. Cheap to hash (its Strings
     * mostly come from caches, their hashes computed once). Written out rather than a record: a record's generated
     * {@code equals}/{@code hashCode} run through method handles that are slow until C2 has compiled them, which
     * showed in a cold replay.
     */
    private static final class LiveKey {
        final LinePair pair;
        private final int hash;

        LiveKey(LinePair p) {
            this.pair = p;
            int h = p.sourceReporter() ? 1 : 2;
            h = 31 * h + Objects.hashCode(p.sourceNamespace());
            h = 31 * h + Objects.hashCode(p.sourceWorkload());
            h = 31 * h + Objects.hashCode(p.sourceIp());
            h = 31 * h + Objects.hashCode(p.destinationNamespace());
            h = 31 * h + Objects.hashCode(p.destinationService());
            h = 31 * h + Objects.hashCode(p.destinationWorkload());
            h = 31 * h + Objects.hashCode(p.destinationIp());
            h = 31 * h + Objects.hashCode(p.destinationPod());
            h = 31 * h + Objects.hashCode(p.destinationPort());
            this.hash = h;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true;
            if (!(o instanceof LiveKey k) || k.hash != hash) return false;
            LinePair a = pair;
            LinePair b = k.pair;
            return a.sourceReporter() == b.sourceReporter()
                    && Objects.equals(a.sourceNamespace(), b.sourceNamespace())
                    && Objects.equals(a.sourceWorkload(), b.sourceWorkload())
                    && Objects.equals(a.sourceIp(), b.sourceIp())
                    && Objects.equals(a.destinationNamespace(), b.destinationNamespace())
                    && Objects.equals(a.destinationService(), b.destinationService())
                    && Objects.equals(a.destinationWorkload(), b.destinationWorkload())
                    && Objects.equals(a.destinationIp(), b.destinationIp())
                    && Objects.equals(a.destinationPod(), b.destinationPod())
                    && Objects.equals(a.destinationPort(), b.destinationPort());
        }
    }
}
