package io.meshpulse.alerts.stream;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.alerts.detect.BurnState;
import io.meshpulse.alerts.detect.ClassState;
import io.meshpulse.alerts.detect.Detector;
import io.meshpulse.alerts.detect.PairState;
import io.meshpulse.alerts.diagnose.Correlator;
import io.meshpulse.alerts.diagnose.Diagnoser;
import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.stream.Emitted;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The alerts stage. Receives closed pair windows re-keyed by destination namespace, so that one task holds both
 * reporters of a call and every caller of a destination. A window is decided once its other reporters have had
 * a chance to arrive: {@code settleDelay} of wall-clock time after its first record (windows in order). Early looks
 * are judged once every parsing task has marked their point (see {@link #lookMark}), or after the same delay.
 * Deciding a window runs the per-(pair, class) detector, the silence check, the burn-rate detector and,
 * for what fires, the correlator and the catalog. Output: one {@link Alert} per state change, keyed by
 * fingerprint, with the window end as timestamp; the latest alert per fingerprint is kept in
 * {@link AlertNames#CURRENT_STORE}.
 */
public final class AlertsProcessor implements Processor<String, Observation, String, Alert> {
    public static final String SILENCE = "SILENCE";
    public static final String SLO_BURN = "SLO_BURN";
    public static final String EGRESS_AUDIT = "EGRESS_AUDIT";
    /** Istio's default retry policy retries a 503 twice: a call that fails in the end is up to three 503s. */
    static final int RETRIES = 2;

    private final AlertSettings settings;
    private final Detector detector;
    private final Correlator correlator;
    private final Diagnoser diagnoser;
    private ProcessorContext<String, Alert> context;
    private HeldStore<Observation> pending;
    private HeldStore<PairState> pairs;
    private KeyValueStore<String, BurnState> burns;
    private KeyValueStore<String, Alert> current;
    /** Window start → wall-clock time its first record arrived (memory only: after a restart, "now"). */
    private final TreeMap<Long, Long> arrived = new TreeMap<>();
    /**
     * Early looks waiting for their marks or their settle delay, by the end of what they looked at: the window's end, or the point
     * inside it a look was taken at (memory only: they are a best effort). A point belongs to one window, and the
     * parsing tasks' looks at one point are one look at the window, merged.
     */
    private final TreeMap<Long, EarlyWindow> early = new TreeMap<>();

    /** One look point's early looks (from every parsing task), and the wall-clock time the first of them arrived. */
    private record EarlyWindow(long arrived, List<Observation> looks) {
        /** The window looked at (one point, one window). */
        long windowStart() {
            return millis(looks.get(0).stats().windowStart());
        }
    }
    /**
     * Per parsing task (the raw topic's partition), the last point it has sent all its looks at, from its look marks;
     * memory only: after a restart the settle delay decides until every task has marked a point again.
     */
    private final TreeMap<Integer, Long> looked = new TreeMap<>();
    /** How many parsing tasks there are, as the latest look mark said. */
    private int lookingTasks;
    /** Alerts sent since this task started: tells whether deciding a point sent any. */
    private long emitted;
    private long decidedUpTo = Long.MIN_VALUE;
    /**
     * The firing burn alerts: destination → start of the last window with calls to it. A burn is judged only on
     * windows with calls, so one whose destination is no longer called is resolved from here once stale. Rebuilt
     * from the store when the task starts (one small state per destination).
     */
    private final TreeMap<String, Long> burnsFiring = new TreeMap<>();

    public AlertsProcessor(AlertSettings settings, Catalog catalog) {
        this.settings = settings;
        this.detector = new Detector(settings);
        this.correlator = new Correlator(settings);
        this.diagnoser = new Diagnoser(catalog, settings);
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.pending = new HeldStore<>(context.getStateStore(AlertNames.PENDING_STORE), AlertsTopology.OBSERVATION_SERDE);
        this.pairs = new HeldStore<>(context.getStateStore(AlertNames.PAIR_STATE_STORE), AlertsTopology.PAIR_STATE_SERDE);
        this.burns = context.getStateStore(AlertNames.BURN_STORE);
        try (KeyValueIterator<String, BurnState> it = burns.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                BurnState b = kv.value;
                if (b != null && b.firing != null && !b.minutes.isEmpty()) burnsFiring.put(kv.key, b.minutes.lastKey());
            }
        }
        this.current = context.getStateStore(AlertNames.CURRENT_STORE);
        long now = context.currentSystemTimeMs();
        for (String k : pending.keys()) arrived.putIfAbsent(windowOf(k), now);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::settle);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Header control = record.headers().lastHeader(Names.CONTROL_HEADER);
        if (control != null && Names.END_OF_INPUT.equals(new String(control.value(), StandardCharsets.UTF_8))) {
            // Written by a replay into this stage's input once every window has been emitted: nothing more can
            // arrive, so there is no other reporter or caller to wait for. Everything pending is decided now.
            settle(Long.MAX_VALUE);
            context.commit(); // the replay waits for this commit
            return;
        }
        Observation o = record.value();
        if (o == null) {
            Emitted.Looked mark = AlertsStage.lookMark(record.key());
            if (mark != null) lookMark(mark);
            return;
        }
        if (o.stats() == null) return;
        long ws = millis(o.stats().windowStart());
        if (o.early()) {
            if (ws <= decidedUpTo) return; // the closed window got here first: nothing early left to say
            early.computeIfAbsent(millis(o.stats().windowEnd()),
                    p -> new EarlyWindow(context.currentSystemTimeMs(), new ArrayList<>())).looks().add(o);
            return;
        }
        pending.put(pendingKey(ws, o.pairKey()), o);
        arrived.putIfAbsent(ws, context.currentSystemTimeMs());
        if (ws <= decidedUpTo) {
            decide(ws, false); // a straggler of a window already decided: judged on its own
        }
        // Otherwise the window waits for the settle delay: the spine's pair-keyed tasks emit a window's pairs
        // independently and can be several windows apart in processing order, so "a later window arrived" does not
        // mean this one is complete.
    }

    private void settle(long now) {
        decideLooks(now);
        decideDue(now - settings.settleDelay().toMillis(), Long.MAX_VALUE);
        if (!lookedAt.isEmpty()) {
            lookedAt.values().removeIf(w -> {
                w.headMap(decidedUpTo, true).clear(); // decided: the class states hold them now
                return w.isEmpty();
            });
        }
    }

    /**
     * A parsing task has sent its looks at every point up to the mark's (they came before it): once every task has,
     * the looks at those points are complete and are judged now, without the settle delay, and an alert they fire
     * is committed at once rather than at the next commit interval.
     */
    private void lookMark(Emitted.Looked mark) {
        if (mark.partitions() != lookingTasks) {
            lookingTasks = mark.partitions();
            looked.keySet().removeIf(p -> p >= lookingTasks);
        }
        if (mark.partition() < 0 || mark.partition() >= lookingTasks) return;
        looked.merge(mark.partition(), mark.point(), Math::max);
        long before = emitted;
        decideLooks(context.currentSystemTimeMs());
        if (emitted != before) context.commit();
    }

    /** The point every parsing task has looked at (sent its looks and its mark); MIN_VALUE until all have. */
    private long lookedByAll() {
        if (lookingTasks == 0 || looked.size() < lookingTasks) return Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        for (long p : looked.values()) min = Math.min(min, p);
        return min;
    }

    /**
     * Judges, in point order, the looks whose settle delay has passed, and those at points every task has marked
     * once the closed windows before theirs that have arrived are decided. An early look judges a window against the
     * pair's history, which those windows are part of: they go first, and a look waits for one still settling (it
     * waits for the pair-keyed tasks' other pairs). Live, a closed window arrives after its grace, half a minute
     * after its end, so a look rarely waits for one, and never longer than its own settle delay; a task catching up
     * on a backlog, whose clock runs ahead of the wall clock, has many.
     */
    private void decideLooks(long now) {
        long due = now - settings.settleDelay().toMillis();
        long complete = lookedByAll();
        while (!early.isEmpty()) {
            Map.Entry<Long, EarlyWindow> e = early.firstEntry();
            boolean settled = e.getValue().arrived() <= due;
            if (!settled && e.getKey() > complete) break;
            long ws = e.getValue().windowStart();
            decideDue(due, ws);
            if (!settled && !arrived.isEmpty() && arrived.firstKey() < ws) break;
            early.pollFirstEntry();
            if (ws > decidedUpTo) decideEarly(ws, merge(e.getValue().looks()));
        }
    }

    /**
     * Decides the closed windows that have settled, starting before {@code before}, in window order; a window stays
     * while an older one is still settling, so decisions never go backwards.
     */
    private void decideDue(long due, long before) {
        for (Map.Entry<Long, Long> e : new ArrayList<>(arrived.entrySet())) {
            if (e.getValue() > due || e.getKey() >= before) break;
            decide(e.getKey(), true);
        }
    }

    static String pendingKey(long ws, String pairKey) {
        return windowPrefix(ws) + pairKey;
    }

    /** {@code ws} as 15 zero-padded digits and a bar: keys sort by window (String.format costs a microsecond). */
    private static String windowPrefix(long ws) {
        String digits = Long.toString(ws);
        if (ws < 0 || digits.length() > 15) return String.format("%015d|", ws);
        return "0".repeat(15 - digits.length()) + digits + "|";
    }

    static long windowOf(String pendingKey) {
        return Long.parseLong(pendingKey.substring(0, 15));
    }

    // ------------------------------------------------------------------------------------------------------

    private void decide(long ws, boolean advancing) {
        arrived.remove(ws);
        List<Observation> window = new ArrayList<>();
        String from = windowPrefix(ws);
        String to = windowPrefix(ws + 1);
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Observation> e : pending.range(from, to).entrySet()) {
            if (windowOf(e.getKey()) != ws) continue;
            keys.add(e.getKey());
            window.add(e.getValue());
        }
        for (String k : keys) pending.delete(k);
        if (window.isEmpty()) return;
        window = merge(window);
        long we = millis(window.get(0).stats().windowEnd());
        long size = we - ws;
        decidedUpTo = Math.max(decidedUpTo, ws);

        for (Observation o : window) pairWindow(o, window, ws, we);
        burnRate(window, ws, we);
        if (advancing) {
            silenceAndStaleness(ws, we, size, window);
            staleBurns(ws, we, size);
            expireResolved(we);
        }
    }

    /**
     * The identity alerts track: the caller and the destination service (client side) or workload (server side).
     * The spine's pair key also holds the other name when the line revealed it, so one call can show up under two
     * keys (a 503 UH has no upstream host, hence no destination workload; a plaintext connection has no SNI, hence
     * no service): they are one pair here.
     */
    static String stateKey(PairWindowStats s) {
        ServiceRef d = s.destination();
        String src = s.source() == null ? "-/-" : s.source().namespace() + "/" + s.source().workload();
        String dst = "source".equals(s.reporter())
                ? (d.service() != null ? d.service() : d.workload())
                : (d.workload() != null ? d.workload() : Pairs.shortService(d.service()));
        return s.reporter() + "|" + src + "|" + d.namespace() + "/" + dst;
    }

    static List<Observation> merge(List<Observation> window) {
        Map<String, Observation> byKey = new java.util.LinkedHashMap<>();
        for (Observation o : window) {
            String k = stateKey(o.stats());
            Observation prev = byKey.get(k);
            byKey.put(k, prev == null ? new Observation(k, o.stats(), o.exemplars()) : combine(k, prev, o));
        }
        return new ArrayList<>(byKey.values());
    }

    private static Observation combine(String key, Observation a, Observation b) {
        PairWindowStats x = a.stats();
        PairWindowStats y = b.stats();
        ServiceRef dx = x.destination();
        ServiceRef dy = y.destination();
        ServiceRef d = new ServiceRef(dx.namespace(), dx.service() != null ? dx.service() : dy.service(),
                dx.workload() != null ? dx.workload() : dy.workload());
        long n = x.requests() + y.requests();
        long f = x.failures() + y.failures();
        Map<String, Long> byClass = new TreeMap<>(x.byClass());
        y.byClass().forEach((c, v) -> byClass.merge(c, v, Long::sum));
        Map<String, Long> byCode = new TreeMap<>(x.byCodeClass());
        y.byCodeClass().forEach((c, v) -> byCode.merge(c, v, Long::sum));
        Map<String, List<String>> ex = new TreeMap<>(a.exemplars());
        b.exemplars().forEach((c, v) -> ex.merge(c, v, (p, q) -> {
            List<String> l = new ArrayList<>(p);
            l.addAll(q);
            return l;
        }));
        PairWindowStats s = new PairWindowStats(x.windowStart(), x.windowEnd(), x.reporter(), x.source(), d, n, f,
                n == 0 ? 1 : 1 - (double) f / n, byClass, byCode, x.latencyMs(), x.bytesSent() + y.bytesSent(),
                x.bytesReceived() + y.bytesReceived(), x.origin());
        return new Observation(key, s, ex);
    }

    /** Adds a closed window to the pair's last ones (a straggler older than the newest is left out). */
    private void remember(PairState ps, long ws, long requests) {
        List<long[]> r = ps.recentWindows;
        if (requests <= 0 || (!r.isEmpty() && r.get(r.size() - 1)[0] >= ws)) return;
        r.add(new long[] {ws, requests});
        while (r.size() > settings.accumulateWindows()) r.remove(0);
    }

    /** The state of a pair seen for the first time, in window {@code ws}. */
    private static PairState newPair(Observation o, long ws) {
        PairWindowStats s = o.stats();
        PairState ps = new PairState();
        ps.pairKey = o.pairKey();
        ps.reporter = s.reporter();
        ps.source = s.source();
        ps.destination = s.destination();
        ps.firstWindow = ws;
        ps.requestsEwma = s.requests();
        return ps;
    }

    private void pairWindow(Observation o, List<Observation> window, long ws, long we) {
        PairWindowStats s = o.stats();
        PairState ps = pairs.get(o.pairKey());
        if (ps == null) {
            ps = newPair(o, ws);
        } else if (ps.windowsSeen == 0) {
            // A state an early look made when it fired: its traffic level is what that look saw (part of a window,
            // or one task's share of it). The first closed window sets it.
            ps.requestsEwma = s.requests();
        } else {
            ps.requestsEwma += 0.2 * (s.requests() - ps.requestsEwma);
        }
        double history = ps.decayedRequests;
        List<long[]> recentBefore = ps.recentWindows; // this window joins them after the classes are judged
        ps.decayedRequests = detector.decay(ps.decayedRequests, s.requests());
        if (ps.destination.workload() == null && s.destination().workload() != null) ps.destination = s.destination();
        ps.lastWindow = ws;
        ps.windowsSeen++;

        // Traffic came back: a silence alert ends.
        ClassState silence = ps.classes.get(SILENCE);
        if (silence != null && silence.firing != null) {
            resolve(o, ps, SILENCE, silence, ws, we, window);
            ps.classes.remove(SILENCE);
        }

        List<String> classes = new ArrayList<>();
        for (String c : s.byClass().keySet()) {
            if (FailureClass.isFailure(c) || FailureClass.DI.equals(c)) classes.add(c);
        }
        for (Map.Entry<String, ClassState> e : ps.classes.entrySet()) {
            if (!classes.contains(e.getKey()) && !SILENCE.equals(e.getKey()) && !EGRESS_AUDIT.equals(e.getKey())) {
                classes.add(e.getKey());
            }
        }
        for (String c : classes) {
            ClassState cs = ps.classes.computeIfAbsent(c, x -> detector.newClass(history, recentBefore));
            if (cs.firing != null && ws < cs.firing.detectedAt - (we - ws)) {
                // A window from before the one that fired, decided after it: an early look fired on a later
                // window while this one was still in its grace, or this is a straggler. What it shows is older
                // than the failure, so it neither resolves the alert nor keeps it going.
                continue;
            }
            long k = o.count(c);
            boolean suppressed = explainedByPeer(o, c, window);
            Detector.Outcome out = detector.assess(cs, ws, s.requests(), k, suppressed);
            switch (out) {
                case FIRE -> fire(o, ps, c, cs, ws, we, window);
                case CONTINUE -> {
                    // Only a window that is suspicious itself can say something new about the incident. A clean
                    // one (counted towards the resolution) or one below the thresholds sends nothing.
                    if (s.requests() > 0 && detector.suspicious(cs, s.requests(), k)) {
                        update(o, ps, c, cs, ws, we, window);
                    } else if (s.requests() > 0) {
                        seen(cs.firing, ws, we, s.requests(), k);
                    }
                }
                case RESOLVE -> resolve(o, ps, c, cs, ws, we, window);
                case QUIET -> { }
            }
        }
        remember(ps, ws, s.requests());
        if (settings.egressAudit()) egressAudit(o, ps, ws, we, window);
        pairs.put(o.pairKey(), ps);
    }

    /**
     * An early look at a window that ended but has not closed, or at one in progress up to a look point (each
     * parsing task's counts, merged per pair; {@code window}'s end is the point): the
     * per-(pair, class) rule runs on a copy of each quiet class's state, and only a firing is kept. Nothing else
     * changes: baselines, traffic levels, silence and burn rates wait for the closed window, which then finds the
     * alert firing and carries on from there. A class that would only fire on the closed window fires then.
     */
    private void decideEarly(long ws, List<Observation> window) {
        long we = millis(window.get(0).stats().windowEnd());
        for (Observation o : window) {
            PairWindowStats s = o.stats();
            PairState ps = pairs.get(o.pairKey());
            if (ps == null) ps = newPair(o, ws);
            TreeMap<Long, Looked> before = lookedAt.get(o.pairKey());
            boolean fired = false;
            Set<String> suppressedNow = new java.util.HashSet<>();
            for (String c : s.byClass().keySet()) {
                if (!FailureClass.isFailure(c) && !FailureClass.DI.equals(c)) continue;
                boolean suppressed = explainedByPeer(o, c, window);
                if (suppressed) suppressedNow.add(c);
                ClassState cs = ps.classes.get(c);
                if (cs != null && cs.firing != null) continue;
                ClassState trial = caughtUp(cs, ps, before == null ? null : before.headMap(ws, false), c);
                if (detector.assess(trial, ws, s.requests(), o.count(c), suppressed) == Detector.Outcome.FIRE) {
                    ps.classes.put(c, trial);
                    fire(o, ps, c, trial, ws, we, window);
                    fired = true;
                }
            }
            if (fired) pairs.put(o.pairKey(), ps);
            // the latest look at a window stands for it until it closes (the look at its end, once that came)
            lookedAt.computeIfAbsent(o.pairKey(), k -> new TreeMap<>())
                    .put(ws, new Looked(s.requests(), s.byClass(), suppressedNow));
        }
    }

    /**
     * What an early look saw of one of a pair's windows: kept until the window closes, so that a look at a later
     * window meets the class state that window's closing will meet ({@link #caughtUp}).
     */
    private record Looked(long requests, Map<String, Long> byClass, Set<String> suppressed) {
        long count(String c) {
            Long n = byClass.get(c);
            return n == null ? 0 : n;
        }
    }

    /**
     * Per pair, its windows that early looks saw and that have not been decided closed yet, by start (memory only:
     * after a restart a look judges against the closed windows alone, as before). Pruned as windows are decided.
     */
    private final Map<String, TreeMap<Long, Looked>> lookedAt = new HashMap<>();

    /**
     * The state a class of a pair would have when the window being looked at closes: {@code cs} (null for a class
     * the pair has no state for yet) as the closed windows left it, then the windows since, as early looks saw them,
     * fed in order the way their closing will feed them. Live, closed windows come a grace (half a minute) after
     * their end, so without these a look judged a thin pair against a history three or four windows short, whose
     * wider bound could keep a clear spike from firing until a second look; a replay of the same lines fired on the
     * first (BENCHMARKS.md, session 29). A copy: the class's own state changes only when a look fires.
     */
    private ClassState caughtUp(ClassState cs, PairState ps, Map<Long, Looked> since, String c) {
        ClassState trial = cs == null ? null : cs.copy();
        double history = ps.decayedRequests;
        // the pool a class new to the pair would start with (a class with state has its own)
        List<long[]> recent = cs == null ? new ArrayList<>(ps.recentWindows) : null;
        if (since != null) {
            for (Map.Entry<Long, Looked> e : since.entrySet()) {
                if (e.getKey() <= decidedUpTo) continue;
                Looked l = e.getValue();
                if (trial == null && l.count(c) == 0) {
                    // the pair's traffic, as its closing counts it
                    history = detector.decay(history, l.requests());
                    if (l.requests() > 0) recent.add(new long[] {e.getKey(), l.requests()});
                    continue;
                }
                if (trial == null) trial = detector.newClass(history, recent);
                // A window that fires here fired on evidence the look at it did not have; the window looked at now
                // is judged with that pool next, and fires with it if it is still failing.
                detector.assess(trial, e.getKey(), l.requests(), l.count(c), l.suppressed().contains(c));
            }
        }
        return trial != null ? trial : detector.newClass(history, recent);
    }

    /**
     * A destination-side failure that is the other face of a client-side one on the same call is folded into the
     * client's alert (it appears there as evidence): NR filter_chain_not_found behind a client's UC, DC behind a
     * client's UT (the client's sidecar gave up) or DC (the calling app hung up, and both sidecars log it), the
     * server's own 5xx behind the client's. The server's 5xx are also folded when the client's view accounts for
     * every one of them: each is either a call the client logged as failed (5xx or URX) or a try the client's
     * sidecar retried (the server saw more requests than the client logged). Retries log one failed call up to three
     * times on the server (Istio retries a 503 twice by default), in clumps the server's binomial test takes for a
     * spike; the client's view counts each call once and is the one that judges it. Only {@link #RETRIES} retried
     * tries per failed call count as its clump: the server's 503s on tries the caller retried into a success are
     * the server failing on its own, out of the caller's sight (30% of tries failing is 2.7% of calls failing at
     * the caller, below min-ratio, and a slow burn), and the server's view judges them.
     */
    private boolean explainedByPeer(Observation o, String c, List<Observation> window) {
        PairWindowStats s = o.stats();
        if (!"destination".equals(s.reporter())) return false;
        List<String> clientClasses = switch (c) {
            case "NR" -> List.of("UC");
            case "DC" -> List.of("UT", "DC");
            case "APP_5XX" -> List.of("APP_5XX");
            default -> List.of();
        };
        if (clientClasses.isEmpty()) return false;
        for (Observation w : window) {
            PairWindowStats x = w.stats();
            if (w == o || !Pairs.peers(s, x) || x.requests() == 0) continue;
            long k = 0;
            for (String cc : clientClasses) k += w.count(cc);
            if ((double) k / x.requests() >= settings.minRatio()) return true;
            if ("APP_5XX".equals(c)) {
                // Only the retries of the calls that failed in the end are their clumps: a try retried into a
                // success is a failure of the server's own that the caller's retries hid.
                long failedCalls = k + w.count("URX");
                long retried = Math.min(Math.max(0, s.requests() - x.requests()), failedCalls * RETRIES);
                if (o.count(c) <= failedCalls + retried) return true;
            }
        }
        return false;
    }

    private void fire(Observation o, PairState ps, String c, ClassState cs, long ws, long we, List<Observation> window) {
        ClassState.Firing f = new ClassState.Firing();
        f.startsAt = cs.poolStart >= 0 ? cs.poolStart : ws;
        f.detectedAt = we;
        cs.firing = f;
        Detector.resetPool(cs);
        Alert a = build(o, ps, c, cs, ws, we, window, Alert.FIRING, null);
        sent(f, a);
        emit(a, we);
    }

    private void update(Observation o, PairState ps, String c, ClassState cs, long ws, long we, List<Observation> window) {
        ClassState.Firing f = cs.firing;
        Alert a = build(o, ps, c, cs, ws, we, window, Alert.FIRING, null);
        double ratio = a.observed().failureRatio();
        boolean changed = !a.severity().equals(f.severity) || !a.diagnosis().title().equals(f.entryId)
                || a.diagnosis().evidence().size() != f.evidenceCount || ratio >= 1.5 * f.emittedRatio;
        if (changed && ratio > 0) {
            sent(f, a);
            emit(a, we);
        }
        // Otherwise nothing is sent; build() kept the facts fresh for the triage API (window, counts).
    }

    /** The latest window of a firing alert, for the triage API. */
    private static void seen(ClassState.Firing f, long ws, long we, long requests, long failures) {
        f.lastWindowStart = ws;
        f.lastWindowEnd = we;
        f.lastRequests = requests;
        f.lastFailures = failures;
    }

    /** Records what a firing record said: {@link #update} compares later windows with it. */
    private static void sent(ClassState.Firing f, Alert a) {
        f.severity = a.severity();
        f.entryId = a.diagnosis().title();
        f.evidenceCount = a.diagnosis().evidence().size();
        f.emittedRatio = a.observed().failureRatio();
    }

    private void resolve(Observation o, PairState ps, String c, ClassState cs, long ws, long we, List<Observation> window) {
        long size = we - ws;
        long endsAt = SILENCE.equals(c) ? ws : ws - (long) (cs.firing.cleanStreak - 1) * size;
        Alert last = current.get(fingerprint(ps.pairKey, c));
        Alert a = build(o, ps, c, cs, ws, we, window, Alert.RESOLVED, Times.rfc3339(Math.max(endsAt, cs.firing.startsAt)));
        if (last != null) {
            // The resolution says what the alert said (its severity, the highest it fired with, and its
            // diagnosis), not what the clean window that ends it would make of it.
            String severity = cs.firing.severity != null ? cs.firing.severity : last.severity();
            a = new Alert(a.fingerprint(), a.status(), a.failureClass(), a.reporter(), a.source(), a.destination(),
                    a.startsAt(), a.detectedAt(), a.endsAt(), severity, a.observed(), last.diagnosis(),
                    last.exemplars());
        }
        cs.firing = null;
        emit(a, we);
    }

    private Alert build(Observation o, PairState ps, String c, ClassState cs, long ws, long we,
                        List<Observation> window, String status, String endsAt) {
        PairWindowStats s = o.stats();
        double base = detector.baselineFor(cs);
        double shownBase = cs.baseline < 0 ? 0 : cs.baseline;
        long n = s.requests();
        long k = SILENCE.equals(c) ? 0 : o.count(c);
        Correlator.Findings fd = correlator.correlate(o, c, window, shownBase);
        Map<String, String> facts = new HashMap<>(fd.facts());
        facts.put("startsAt", clock(cs.firing.startsAt));
        if (SILENCE.equals(c)) facts.put("requests", String.format("%.0f", ps.requestsEwma));
        String observed = SILENCE.equals(c)
                ? String.format("%s → %s carried about %.0f requests per window over %d windows, then none from %s on.",
                        facts.get("source"), facts.get("destination"), ps.requestsEwma, ps.windowsSeen, clock(cs.firing.startsAt))
                : EGRESS_AUDIT.equals(c)
                ? String.format("%s made %d requests to %s, a host outside the mesh registry, in the window %s–%s; %d of them succeeded.",
                        facts.get("source"), n, s.destination().service(), clock(ws), clock(we), n - s.failures())
                : String.format("%d of %d requests (%s) from %s to %s ended %s in the window %s–%s (%s reporter); the pair's baseline for %s is %s.",
                        k, n, Correlator.percent(n == 0 ? 0 : (double) k / n), facts.get("source"), facts.get("destination"),
                        c, clock(ws), clock(we), s.reporter(), c, Correlator.percent(shownBase));
        Diagnoser.Result r = diagnoser.diagnose(c, s.reporter(), fd.cause(), fd.signals(), facts, observed);
        double ratio = n == 0 ? 0 : (double) k / n;
        boolean info = "info".equals(r.entry().severity());
        String severity = r.entry().severity() != null ? r.entry().severity()
                : fd.signals().contains("outage") ? "critical" : detector.severity(ratio, info);
        ClassState.Firing f = cs.firing;
        // Severity is part of an alert's identity in Alertmanager: while the alert fires it only goes up.
        if (Alert.severityRank(f.severity) > Alert.severityRank(severity)) severity = f.severity;
        if (Alert.FIRING.equals(status)) seen(f, ws, we, n, k);
        Alert.Observed obs = new Alert.Observed(Times.rfc3339(ws), Times.rfc3339(we), n, k, ratio, shownBase);
        return new Alert(fingerprint(ps.pairKey, c), status, c, s.reporter(), s.source(), s.destination(),
                Times.rfc3339(f.startsAt), Times.rfc3339(f.detectedAt), endsAt, severity, obs, r.diagnosis(),
                fd.exemplars());
    }

    private void emit(Alert a, long timestamp) {
        emitted++;
        current.put(a.fingerprint(), a);
        context.forward(new Record<>(a.fingerprint(), a, timestamp));
    }

    // ------------------------------------------------------------------------------------------------------
    // Egress audit: an external host reached without a cluster-local name (info, once per caller and host).

    private void egressAudit(Observation o, PairState ps, long ws, long we, List<Observation> window) {
        PairWindowStats s = o.stats();
        ServiceRef d = s.destination();
        if (!"source".equals(s.reporter()) || d.namespace() != null || d.service() == null) return;
        if (d.service().endsWith(".cluster.local") || s.requests() - s.failures() <= 0) return;
        if (o.count("EGRESS_BLOCKED") > 0) return;
        ClassState cs = ps.classes.computeIfAbsent(EGRESS_AUDIT, x -> new ClassState());
        if (cs.firing != null) return;
        ClassState.Firing f = new ClassState.Firing();
        f.startsAt = ws;
        f.detectedAt = we;
        cs.firing = f;
        Alert a = build(o, ps, EGRESS_AUDIT, cs, ws, we, window, Alert.FIRING, null);
        sent(f, a);
        emit(a, we);
    }

    // ------------------------------------------------------------------------------------------------------
    // Silence of steady pairs, and forgetting pairs that stopped long ago.

    private void silenceAndStaleness(long ws, long we, long size, List<Observation> window) {
        List<String> drop = new ArrayList<>();
        List<PairState> changed = new ArrayList<>();
        List<PairState> clients = new ArrayList<>();
        List<PairState> all = pairs.all();
        for (PairState ps : all) {
            if ("source".equals(ps.reporter)) clients.add(ps);
        }
        for (PairState ps : all) {
            if (ps.lastWindow >= ws) continue;
            long gap = (ws - ps.lastWindow) / size;
            Observation ghost = ghost(ps, ws, we);
            if (gap >= settings.staleWindows()) {
                // Forgotten, and its alerts resolve: nothing is left to judge them by. Except a silence, which
                // is what this pair still shows: the pair and its silence stay until its traffic returns.
                boolean resolved = false;
                for (Map.Entry<String, ClassState> e : ps.classes.entrySet()) {
                    ClassState cs = e.getValue();
                    if (cs.firing != null && !SILENCE.equals(e.getKey())) {
                        cs.firing.cleanStreak = 1;
                        resolve(ghost, ps, e.getKey(), cs, ws, we, window);
                        resolved = true;
                    }
                }
                ClassState silence = ps.classes.get(SILENCE);
                if (silence == null || silence.firing == null) {
                    drop.add(ps.pairKey);
                } else if (resolved) {
                    changed.add(ps);
                }
                continue;
            }
            boolean steady = steady(ps);
            if (steady && "destination".equals(ps.reporter)) {
                for (PairState c : clients) {
                    if (Pairs.sameSource(c.source, ps.source) && Pairs.sameDestination(c.destination, ps.destination)
                            && clientSays(c, ps, ws, size)) {
                        steady = false;
                        break;
                    }
                }
            }
            ClassState silence = ps.classes.get(SILENCE);
            if (steady && gap >= settings.silenceWindows() && (silence == null || silence.firing == null)) {
                ClassState cs = ps.classes.computeIfAbsent(SILENCE, x -> new ClassState());
                ClassState.Firing f = new ClassState.Firing();
                f.startsAt = ps.lastWindow + size;
                f.detectedAt = we;
                cs.firing = f;
                Alert a = build(ghost, ps, SILENCE, cs, ws, we, window, Alert.FIRING, null);
                sent(f, a);
                emit(a, we);
                changed.add(ps);
            }
        }
        drop.forEach(pairs::delete);
        for (PairState ps : changed) pairs.put(ps.pairKey, ps);
    }

    /** A pair with enough traffic for long enough that a few empty windows are a silence. */
    private boolean steady(PairState ps) {
        return ps.windowsSeen >= settings.silenceMinWindows() && ps.requestsEwma >= settings.silenceMinRequests();
    }

    /**
     * Whether the client side's view {@code client} of the calls that server-side pair {@code server} no longer
     * sees already says what there is to say: the caller still calls (its requests fail before reaching the server,
     * and its own alerts tell), or it went quiet at the same time and is steady, so its own silence pages. The
     * server side's silence pages only without such a view (a caller without a sidecar, client logs not collected,
     * or a client side that stopped logging long before).
     */
    private boolean clientSays(PairState client, PairState server, long ws, long size) {
        if (client.lastWindow >= ws - size) return true;
        return client.lastWindow >= server.lastWindow - size && steady(client);
    }

    /** An empty window for a pair that sent nothing: what silence and staleness alerts are built from. */
    private static Observation ghost(PairState ps, long ws, long we) {
        PairWindowStats s = new PairWindowStats(Times.rfc3339(ws), Times.rfc3339(we), ps.reporter, ps.source,
                ps.destination, 0, 0, 1.0, Map.of(), Map.of(), null, 0, 0);
        return new Observation(ps.pairKey, s, Map.of());
    }

    private void expireResolved(long we) {
        long keep = settings.resolvedRetention().toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, Alert> it = current.all()) {
            while (it.hasNext()) {
                KeyValue<String, Alert> kv = it.next();
                Alert a = kv.value;
                if (Alert.RESOLVED.equals(a.status()) && a.endsAt() != null
                        && millis(a.endsAt()) < we - keep) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(current::delete);
    }

    // ------------------------------------------------------------------------------------------------------
    // Burn rate per destination (multi-window, multi-burn-rate), from the client side's view of its calls.

    private void burnRate(List<Observation> window, long ws, long we) {
        Map<String, BurnState> touched = new TreeMap<>();
        Map<String, Observation> sample = new HashMap<>();
        for (Observation o : window) {
            PairWindowStats s = o.stats();
            ServiceRef d = s.destination();
            if (!"source".equals(s.reporter()) || d.namespace() == null || d.service() == null) continue;
            String key = d.namespace() + "/" + Pairs.shortService(d.service());
            BurnState b = touched.computeIfAbsent(key, k -> {
                BurnState x = burns.get(k);
                if (x == null) {
                    x = new BurnState();
                    x.destination = d.service();
                    x.namespace = d.namespace();
                }
                return x;
            });
            if (b.workload == null) b.workload = d.workload();
            b.add(ws, s.requests(), s.failures());
            sample.putIfAbsent(key, o);
        }
        double budget = 1 - settings.sloTarget();
        for (Map.Entry<String, BurnState> e : touched.entrySet()) {
            BurnState b = e.getValue();
            long[] fl = b.sum(we, settings.burnFastLong().toMillis());
            long[] fs = b.sum(we, settings.burnFastShort().toMillis());
            long[] sl = b.sum(we, settings.burnSlowLong().toMillis());
            long[] ss = b.sum(we, settings.burnSlowShort().toMillis());
            // A rate over a window that holds only a sliver of its span is noise: wait for half the short window.
            long covered = b.minutes.isEmpty() ? 0 : we - b.minutes.firstKey();
            boolean fast = covered * 2 >= settings.burnFastShort().toMillis()
                    && burning(fl, fs, settings.burnFastFactor(), budget);
            boolean slow = covered * 2 >= settings.burnSlowShort().toMillis()
                    && burning(sl, ss, settings.burnSlowFactor(), budget);
            String severity = fast ? "critical" : slow ? "warning" : null;
            Observation o = sample.get(e.getKey());
            // Keep firing (as Prometheus' keep_firing_for): a burn that hovers around its factor crosses it back and
            // forth every few minutes, and each crossing would be a notification. A firing alert ends, and a
            // critical one drops to warning, only once its condition has been off for burn-keep-firing of event
            // time; windows without calls to the destination are no evidence either way. Going up is immediate.
            long keep = settings.burnKeepFiring().toMillis();
            boolean critical = "critical".equals(b.firing);
            if (b.firing != null) {
                if (severity != null) b.clearSince = -1;
                else if (b.clearSince < 0) b.clearSince = ws;
                if (fast || !critical) b.fastClearSince = -1;
                else if (b.fastClearSince < 0) b.fastClearSince = ws;
            }
            if (b.firing == null) {
                if (severity != null) {
                    b.startsAt = firstBadMinute(b, we, fast ? settings.burnFastShort() : settings.burnSlowShort(),
                            (fast ? settings.burnFastFactor() : settings.burnSlowFactor()) * budget);
                    b.detectedAt = we;
                    b.firing = severity;
                    emit(burnAlert(b, o, Alert.FIRING, severity, fast ? fs : ss, fast, ws, we, null), we);
                }
            } else if (b.clearSince >= 0 && ws - b.clearSince >= keep) {
                // endsAt is when the burn stopped, not when the keep time ran out.
                String was = b.firing;
                long ended = b.clearSince;
                b.firing = null;
                b.clearSince = -1;
                b.fastClearSince = -1;
                emit(burnAlert(b, o, Alert.RESOLVED, was, fs, true, ws, we, Times.rfc3339(ended)), we);
            } else if (fast && !critical) {
                b.firing = "critical";
                emit(burnAlert(b, o, Alert.FIRING, "critical", fs, true, ws, we, null), we);
            } else if (critical && b.fastClearSince >= 0 && ws - b.fastClearSince >= keep) {
                // The slow burn held after the fast one stopped (or within its own keep time): a ticket remains.
                b.firing = "warning";
                b.fastClearSince = -1;
                emit(burnAlert(b, o, Alert.FIRING, "warning", ss, false, ws, we, null), we);
            }
            b.prune(we, settings.burnSlowLong().toMillis());
            burns.put(e.getKey(), b);
            if (b.firing != null) burnsFiring.put(e.getKey(), ws);
            else burnsFiring.remove(e.getKey());
        }
    }

    /**
     * A firing burn whose destination has had no call for stale-windows windows while the stream moved on resolves,
     * as a pair alert does: nothing is left to judge it by. It ended when the calls did (or when the burn stopped,
     * if that was earlier).
     */
    private void staleBurns(long ws, long we, long size) {
        for (Map.Entry<String, Long> e : new ArrayList<>(burnsFiring.entrySet())) {
            if ((ws - e.getValue()) / size < settings.staleWindows()) continue;
            burnsFiring.remove(e.getKey());
            BurnState b = burns.get(e.getKey());
            if (b == null || b.firing == null) continue;
            String was = b.firing;
            long ended = b.clearSince >= 0 ? b.clearSince : e.getValue() + size;
            b.firing = null;
            b.clearSince = -1;
            b.fastClearSince = -1;
            long[] fs = b.sum(we, settings.burnFastShort().toMillis());
            emit(burnAlert(b, null, Alert.RESOLVED, was, fs, true, ws, we, Times.rfc3339(ended)), we);
            burns.put(e.getKey(), b);
        }
    }

    /**
     * Whether both windows burn at least {@code factor} times the budget. The short window needs burn-min-requests
     * requests and min-failures failures: on a destination with one call every 10 s, a single failed call in the
     * slow burn's half hour is already a burn of about 6, and says nothing about a 0.1% budget.
     */
    private boolean burning(long[] longW, long[] shortW, double factor, double budget) {
        if (shortW[0] < settings.burnMinRequests() || shortW[1] < settings.minFailures() || longW[0] == 0) return false;
        double longBurn = (double) longW[1] / longW[0] / budget;
        double shortBurn = (double) shortW[1] / shortW[0] / budget;
        return longBurn >= factor && shortBurn >= factor;
    }

    private static long firstBadMinute(BurnState b, long we, Duration span, double rate) {
        for (var m : b.minutes.tailMap(we - span.toMillis(), true).entrySet()) {
            long[] v = m.getValue();
            if (v[0] > 0 && (double) v[1] / v[0] >= rate) return m.getKey();
        }
        return we - span.toMillis();
    }

    private Alert burnAlert(BurnState b, Observation o, String status, String severity, long[] shortW, boolean fast,
                            long ws, long we, String endsAt) {
        double ratio = shortW[0] == 0 ? 0 : (double) shortW[1] / shortW[0];
        double budget = 1 - settings.sloTarget();
        double burn = ratio / budget;
        Map<String, String> facts = new HashMap<>();
        String shortSvc = Pairs.shortService(b.destination);
        facts.put("host", b.destination);
        facts.put("namespace", b.namespace);
        facts.put("service", shortSvc);
        facts.put("workload", b.workload != null ? b.workload : shortSvc);
        facts.put("class", SLO_BURN);
        facts.put("ratio", Correlator.percent(ratio));
        facts.put("burnRate", String.format(java.util.Locale.ROOT, "%.1f", burn));
        facts.put("slo", Correlator.percent(settings.sloTarget()));
        facts.put("longWindow", human(fast ? settings.burnFastLong() : settings.burnSlowLong()));
        facts.put("shortWindow", human(fast ? settings.burnFastShort() : settings.burnSlowShort()));
        facts.put("exhaustion", burn <= 0 ? "never" : human(Duration.ofMinutes((long) (30 * 24 * 60 / burn))));
        facts.put("startsAt", clock(b.startsAt));
        facts.put("keepFiring", human(settings.burnKeepFiring()));
        String observed = String.format(java.util.Locale.ROOT,
                "Over the last %s the callers of %s made %d requests and %d failed (%s): burn rate %.1f against a %s objective.",
                facts.get("shortWindow"), b.destination, shortW[0], shortW[1], facts.get("ratio"), burn, facts.get("slo"));
        Diagnoser.Result r = diagnoser.diagnose(SLO_BURN, "source", null, Set.of(), facts, observed);
        ServiceRef dest = new ServiceRef(b.namespace, b.destination, b.workload);
        Alert.Observed obs = new Alert.Observed(Times.rfc3339(we - (fast ? settings.burnFastShort() : settings.burnSlowShort()).toMillis()),
                Times.rfc3339(we), shortW[0], shortW[1], ratio, 1 - settings.sloTarget());
        return new Alert(fingerprint("burn|" + b.namespace + "/" + shortSvc, SLO_BURN), status, SLO_BURN, "source",
                null, dest, Times.rfc3339(b.startsAt), Times.rfc3339(b.detectedAt), endsAt, severity, obs,
                r.diagnosis(), List.of());
    }

    // ------------------------------------------------------------------------------------------------------

    public static String fingerprint(String pairKey, String failureClass) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((pairKey + "#" + failureClass).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static long millis(String rfc3339) {
        long v = Rfc3339.parseMillis(rfc3339, 0, rfc3339.length());
        if (v == Rfc3339.INVALID) throw new IllegalArgumentException("not an RFC 3339 time: " + rfc3339);
        return v;
    }

    static String clock(long millis) {
        return Times.rfc3339(millis).substring(11, 19) + " UTC";
    }

    static String human(Duration d) {
        long m = d.toMinutes();
        if (m >= 2 * 24 * 60) return (m / (24 * 60)) + " days";
        if (m >= 120) return (m / 60) + " h";
        if (m >= 60 && m % 60 == 0) return (m / 60) + " h";
        return m + " min";
    }
}
