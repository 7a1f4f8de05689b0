package io.meshpulse.topology.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One parsing task's view of the ingests' heartbeats: per ingest instance, the newest "no unread line written before
 * T" it sent to this task's partition, and when it was heard. The frontier is the oldest T: no instance still has a
 * line older than it to send here, so the task closes no window whose grace runs past it, and its idle clock goes
 * that far and no further.
 *
 * <p>An instance is dropped (a deleted node must not hold the task for ever) when it stays silent for {@code expiry}
 * of <em>active</em> time: wall-clock time counted only over the punctuation intervals in which the task heard
 * something (any record: another instance's heartbeat, a line). During a total outage (the broker away: nobody is
 * heard) nobody's silence grows, so a long outage still holds the clock; a node lost while others go on expires after
 * {@code expiry}. As a safety, an instance not heard for {@code wallLimit} of wall clock is dropped whatever else was
 * heard.
 *
 * <p>The T values are kept in the task's meta store (under {@link #PREFIX}), so a restarted or moved task still knows
 * which instances it waits for; when they were last heard, and the active time, are not kept: a restored instance
 * counts as heard at the restart.
 */
final class IngestHeartbeats {
    static final String PREFIX = "heartbeat/";
    static final long NONE = Long.MIN_VALUE;

    private static final class Beat {
        long upTo;
        /** Wall clock when last heard. */
        long heardAt;
        /** {@link #active} when last heard. */
        long heardActive;
        /** The T last written to the meta store; {@link #NONE} before the first write. */
        long stored = NONE;

        Beat(long upTo, long heardAt, long heardActive) {
            this.upTo = upTo;
            this.heardAt = heardAt;
            this.heardActive = heardActive;
        }
    }

    private final long expiry;
    private final long wallLimit;
    private final Map<String, Beat> beats = new HashMap<>();
    /** Wall-clock time, summed over the ticks' intervals in which something was heard (memory only). */
    private long active;
    /** Whether anything was heard since the last tick. */
    private boolean heardSinceTick;
    private long lastTick = NONE;
    /** The oldest T over {@link #beats}, kept up to date: read for every line (lateness, closing). */
    private long frontier = NONE;

    IngestHeartbeats(long expiryMillis, long wallLimitMillis) {
        this.expiry = expiryMillis;
        this.wallLimit = Math.max(expiryMillis, wallLimitMillis);
    }

    /** The task read a record (a line, a heartbeat, a control record): the interval at hand counts as active. */
    void heardSomething() {
        heardSinceTick = true;
    }

    /**
     * Ends a punctuation interval: its wall-clock length counts as active time if something was heard in it. Called
     * once per punctuation, before {@link #expire}.
     */
    void tick(long now) {
        if (lastTick != NONE && heardSinceTick) active += Math.max(0, now - lastTick);
        heardSinceTick = false;
        lastTick = now;
    }

    /** Reads the instances a previous run of this task followed back from its meta store. */
    void restore(KeyValueStore<String, Long> meta, long now) {
        beats.clear();
        try (KeyValueIterator<String, Long> it = meta.prefixScan(PREFIX, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.value != null) {
                    Beat b = new Beat(kv.value, now, active);
                    b.stored = kv.value;
                    beats.put(kv.key.substring(PREFIX.length()), b);
                }
            }
        }
        recompute();
    }

    /** Records a heartbeat; true when the instance was not followed before. */
    boolean heard(String instance, long upTo, long now) {
        Beat b = beats.get(instance);
        if (b == null) {
            b = new Beat(upTo, now, active);
            beats.put(instance, b);
            frontier = frontier == NONE ? upTo : Math.min(frontier, upTo);
            return true;
        }
        // The instance's latest word stands, even when it is older than its previous one (a file found late): a
        // lower T only holds the clock back further.
        long was = b.upTo;
        b.upTo = upTo;
        if (upTo < frontier) frontier = upTo;
        else if (was == frontier && upTo != was) recompute();
        b.heardAt = now;
        b.heardActive = active;
        return false;
    }

    /**
     * Drops the instances silent for the expiry of active time, or for the wall limit (and their stored entries);
     * returns their names.
     */
    List<String> expire(long now, KeyValueStore<String, Long> meta) {
        List<String> gone = null;
        for (var it = beats.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Beat> e = it.next();
            Beat b = e.getValue();
            if (active - b.heardActive <= expiry && now - b.heardAt <= wallLimit) continue;
            if (gone == null) gone = new ArrayList<>();
            gone.add(e.getKey());
            meta.delete(PREFIX + e.getKey());
            it.remove();
        }
        if (gone == null) return List.of();
        recompute();
        return gone;
    }

    /**
     * Writes T values to the meta store: a new instance's, one that went back, and one that has moved on by
     * {@link #STORE_STEP} since it was last written. A restart reads them back as the clock's bound, so a stored T
     * may lag (a restarted task then waits at most that much longer, until the instance's next heartbeat) but never
     * run ahead; writing each second's heartbeat would put a changelog record per task and second on the broker,
     * quiet mesh or not.
     */
    void flush(KeyValueStore<String, Long> meta) {
        for (Map.Entry<String, Beat> e : beats.entrySet()) {
            Beat b = e.getValue();
            if (b.stored != NONE && b.upTo >= b.stored && b.upTo - b.stored < STORE_STEP) continue;
            meta.put(PREFIX + e.getKey(), b.upTo);
            b.stored = b.upTo;
        }
    }

    /** How far an instance's T moves on before it is written to the meta store again. */
    static final long STORE_STEP = 10_000;

    /** Whether any instance is followed: only then do heartbeats bound the idle clock. */
    boolean any() {
        return !beats.isEmpty();
    }

    /** The oldest T over the followed instances; {@link #NONE} when there are none. */
    long frontier() {
        return frontier;
    }

    private void recompute() {
        long min = Long.MAX_VALUE;
        for (Beat b : beats.values()) min = Math.min(min, b.upTo);
        frontier = beats.isEmpty() ? NONE : min;
    }

    /** The instance that holds the frontier, and how long ago (wall clock) it was heard: for the log. */
    String slowest(long now) {
        String name = null;
        Beat slowest = null;
        for (Map.Entry<String, Beat> e : beats.entrySet()) {
            if (slowest == null || e.getValue().upTo < slowest.upTo) {
                slowest = e.getValue();
                name = e.getKey();
            }
        }
        return slowest == null ? "-" : name + " (heard " + Math.max(0, now - slowest.heardAt) / 1000 + " s ago, silent for "
                + Math.max(0, active - slowest.heardActive) / 1000 + " s while others were heard)";
    }

    int size() {
        return beats.size();
    }

    /**
     * Per followed instance, how far its T is behind {@code clock} (0 when at or ahead of it, or when the clock is
     * {@link #NONE}): for the metrics.
     */
    Map<String, Long> behind(long clock) {
        Map<String, Long> out = new HashMap<>(beats.size() * 2);
        for (Map.Entry<String, Beat> e : beats.entrySet()) {
            out.put(e.getKey(), clock == NONE ? 0 : Math.max(0, clock - e.getValue().upTo));
        }
        return out;
    }
}
