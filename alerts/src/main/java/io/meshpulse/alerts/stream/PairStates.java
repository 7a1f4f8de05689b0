package io.meshpulse.alerts.stream;

import io.meshpulse.alerts.detect.PairState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@code alerts-pair-state} store with its states decoded in memory. Every window decided reads every pair of
 * the task (silence and staleness), and decoding each pair's JSON state for that was a tenth of the stream
 * thread's time in a replay profile. The store stays the truth: every change is written through, and the copy is
 * loaded from the store when the task starts. Callers put a state back after changing it (as with the store).
 */
final class PairStates {
    private final KeyValueStore<String, PairState> store;
    /** Sorted like the store, so that iteration order (and the order of alerts it produces) does not change. */
    private final TreeMap<String, PairState> live = new TreeMap<>();

    PairStates(KeyValueStore<String, PairState> store) {
        this.store = store;
        try (KeyValueIterator<String, PairState> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                live.put(kv.key, kv.value);
            }
        }
    }

    PairState get(String key) {
        return live.get(key);
    }

    void put(String key, PairState state) {
        live.put(key, state);
        store.put(key, state);
    }

    void delete(String key) {
        live.remove(key);
        store.delete(key);
    }

    /** A snapshot of every state, in key order. */
    List<PairState> all() {
        return new ArrayList<>(live.values());
    }
}
