package io.meshpulse.alerts.stream;

import io.meshpulse.topology.stream.DeferredWritesStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A store of the alerts stage with its values decoded in memory, and written back only when the task commits.
 *
 * <p>Every closed window of every pair went through two of them: its observation into the pending store until the
 * window is decided (about a second later, live or in a replay), and the pair's state after the decision. Writing
 * through serialised each one at once, and the pending entry a second time as it was deleted, only for the record
 * cache to keep the last version until the commit: about a twentieth of the stream thread in a replay profile.
 * Now a change marks the key, and {@link DeferredWritesStore} has each changed key written once before the task's
 * commit (so the changelog holds everything the committed offsets stand for); an entry added and removed between
 * two commits is never written at all. The map is the truth while the task runs; the store is read when it starts.
 *
 * <p>Keys are Strings stored as UTF-8, values in the serde's form: the same bytes as a store built with
 * {@code Serdes.String()} and that serde, so a changelog written before this class restores the same.
 */
final class HeldStore<V> {
    private final String name;
    private final KeyValueStore<Bytes, byte[]> store;
    private final Serializer<V> serializer;
    /** Sorted like the store (the keys are ASCII), so that iteration order and the alerts it gives do not change. */
    private final TreeMap<String, V> live = new TreeMap<>();
    /** Keys changed (or removed) since their last write. */
    private final Set<String> changed = new HashSet<>();
    /** Keys in the store: read from it, or written to it since. Removing one of them must delete it there. */
    private final Set<String> stored = new HashSet<>();

    @SuppressWarnings("unchecked")
    HeldStore(StateStore fromContext, Serde<V> serde) {
        this.name = fromContext.name();
        this.store = (KeyValueStore<Bytes, byte[]>) fromContext;
        this.serializer = serde.serializer();
        DeferredWritesStore.of(fromContext).beforeFlush(this::write);
        Deserializer<V> deserializer = serde.deserializer();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                String key = new String(kv.key.get(), StandardCharsets.UTF_8);
                V value = deserializer.deserialize(name, kv.value);
                if (value == null) continue;
                live.put(key, value);
                stored.add(key);
            }
        }
    }

    V get(String key) {
        return live.get(key);
    }

    /** Sets {@code key} to {@code value} (not null: {@link #delete} removes). */
    void put(String key, V value) {
        live.put(key, Objects.requireNonNull(value, "value"));
        changed.add(key);
    }

    void delete(String key) {
        if (live.remove(key) != null) changed.add(key);
    }

    /** The entries with keys from {@code from} (included) to {@code to} (excluded), as a live view: copy before changing. */
    SortedMap<String, V> range(String from, String to) {
        return live.subMap(from, to);
    }

    /** Every key, in order (a live view: copy before changing). */
    Set<String> keys() {
        return live.keySet();
    }

    /** A snapshot of every value, in key order. */
    List<V> all() {
        return new ArrayList<>(live.values());
    }

    /** Writes the changed keys: their values, or a delete for those removed that the store holds. */
    private void write() {
        if (changed.isEmpty()) return;
        List<String> keys = new ArrayList<>(changed);
        keys.sort(null); // in key order: the same input writes the same changelog
        for (String k : keys) {
            V v = live.get(k);
            Bytes key = Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
            if (v != null) {
                store.put(key, serializer.serialize(name, v));
                stored.add(k);
            } else if (stored.remove(k)) {
                store.put(key, null); // a delete that does not read the old value first
            }
        }
        changed.clear();
    }
}
