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
 * T" it sent to this task's partition, and when (wall clock) it was heard. The frontier is the oldest T: no instance
 * still has a line older than it to send here, so the task's idle clock may go that far and no further.
 *
 * <p>An instance not heard for {@code expiry} is dropped (a deleted node must not hold the clock for ever). The T
 * values are kept in the task's meta store (under {@link #PREFIX}), so a restarted or moved task still knows which
 * instances it waits for; when they were last heard is not kept: a restored instance counts as heard at the restart.
 */
final class IngestHeartbeats {
    static final String PREFIX = "heartbeat/";
    static final long NONE = Long.MIN_VALUE;

    private static final class Beat {
        long upTo;
        long heardAt;
        boolean dirty;

        Beat(long upTo, long heardAt) {
            this.upTo = upTo;
            this.heardAt = heardAt;
        }
    }

    private final long expiry;
    private final Map<String, Beat> beats = new HashMap<>();

    IngestHeartbeats(long expiryMillis) {
        this.expiry = expiryMillis;
    }

    /** Reads the instances a previous run of this task followed back from its meta store. */
    void restore(KeyValueStore<String, Long> meta, long now) {
        beats.clear();
        try (KeyValueIterator<String, Long> it = meta.prefixScan(PREFIX, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.value != null) beats.put(kv.key.substring(PREFIX.length()), new Beat(kv.value, now));
            }
        }
    }

    /** Records a heartbeat; true when the instance was not followed before. */
    boolean heard(String instance, long upTo, long now) {
        Beat b = beats.get(instance);
        if (b == null) {
            b = new Beat(upTo, now);
            b.dirty = true;
            beats.put(instance, b);
            return true;
        }
        // The instance's latest word stands, even when it is older than its previous one (a file found late): a
        // lower T only holds the clock back further.
        if (b.upTo != upTo) b.dirty = true;
        b.upTo = upTo;
        b.heardAt = now;
        return false;
    }

    /** Drops the instances not heard for the expiry (and their stored entries); returns their names. */
    List<String> expire(long now, KeyValueStore<String, Long> meta) {
        List<String> gone = null;
        for (var it = beats.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Beat> e = it.next();
            if (now - e.getValue().heardAt <= expiry) continue;
            if (gone == null) gone = new ArrayList<>();
            gone.add(e.getKey());
            meta.delete(PREFIX + e.getKey());
            it.remove();
        }
        return gone == null ? List.of() : gone;
    }

    /** Writes the T values that changed since the last call to the meta store. */
    void flush(KeyValueStore<String, Long> meta) {
        for (Map.Entry<String, Beat> e : beats.entrySet()) {
            Beat b = e.getValue();
            if (!b.dirty) continue;
            meta.put(PREFIX + e.getKey(), b.upTo);
            b.dirty = false;
        }
    }

    /** Whether any instance is followed: only then do heartbeats bound the idle clock. */
    boolean any() {
        return !beats.isEmpty();
    }

    /** The oldest T over the followed instances; {@link #NONE} when there are none. */
    long frontier() {
        long min = Long.MAX_VALUE;
        for (Beat b : beats.values()) min = Math.min(min, b.upTo);
        return beats.isEmpty() ? NONE : min;
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
        return slowest == null ? "-" : name + " (heard " + Math.max(0, now - slowest.heardAt) / 1000 + " s ago)";
    }

    int size() {
        return beats.size();
    }
}
