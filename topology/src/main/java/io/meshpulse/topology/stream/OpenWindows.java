package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.WindowCounts;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The windows a task holds open, decoded in memory and keyed as the task looks them up ({@code K}), in front of a
 * store built with {@link DeferredWritesStore}. The map is the truth while the task runs: the store is filled from
 * it when the task commits (the windows changed since the last commit, once each) and read only when the task
 * starts. A window opened and closed between two commits never reaches the store or its changelog.
 *
 * <p>Both windowing tasks use it: the parsing task (keyed by window and line pair, counted into per line) and the
 * pair-keyed task (keyed by its store key, added to per partial).
 */
final class OpenWindows<K> {
    private final Map<K, OpenWindow> live = new HashMap<>();
    /** Windows changed since their last write to the store. */
    private final List<OpenWindow> dirty = new ArrayList<>();
    private final BinaryWriter writer = new BinaryWriter(512);
    private KeyValueStore<Bytes, byte[]> store;

    /**
     * Binds to the task's store (restored from its changelog when the task starts) and takes every window in it;
     * {@code keyOf} gives a stored key's map key.
     */
    void load(KeyValueStore<Bytes, byte[]> store, Function<Bytes, K> keyOf) {
        this.store = store;
        DeferredWritesStore.of(store).beforeFlush(this::writeDirty);
        live.clear();
        dirty.clear();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                live.put(keyOf.apply(kv.key), new OpenWindow(Keys.windowStartOf(kv.key.get()), kv.key,
                        WindowCounts.readFrom(new BinaryReader(kv.value)), true));
            }
        }
    }

    /** The open window under {@code k}; null when there is none (the map holds every open window: it is new). */
    OpenWindow get(K k) {
        return live.get(k);
    }

    /** Opens a window that is in no store yet. */
    OpenWindow open(K k, long windowStart, Bytes storeKey, WindowCounts counts) {
        OpenWindow w = new OpenWindow(windowStart, storeKey, counts);
        live.put(k, w);
        return w;
    }

    /** Marks a window changed, to be written at the next commit (listed once until then). */
    void touched(OpenWindow w) {
        if (!w.dirty) {
            w.dirty = true;
            dirty.add(w);
        }
    }

    Collection<OpenWindow> all() {
        return live.values();
    }

    /** Every open window with its map key. */
    java.util.Set<Map.Entry<K, OpenWindow>> entries() {
        return live.entrySet();
    }

    /** The start of the oldest open window; {@link Long#MAX_VALUE} when none is open. */
    long oldestStart() {
        long first = Long.MAX_VALUE;
        for (OpenWindow w : live.values()) first = Math.min(first, w.windowStart);
        return first;
    }

    /**
     * Closes the windows starting at or before {@code lastStart}: takes them out of the map and the store and
     * returns them in store-key order (window start first), as a scan of the store would give them.
     */
    List<OpenWindow> closeUpTo(long lastStart) {
        List<OpenWindow> closing = new ArrayList<>();
        for (var it = live.values().iterator(); it.hasNext(); ) {
            OpenWindow w = it.next();
            if (w.windowStart <= lastStart) {
                w.closed = true;
                closing.add(w);
                it.remove();
            }
        }
        closing.sort((a, b) -> a.key.compareTo(b.key));
        for (OpenWindow w : closing) {
            // A null value deletes without reading the old one first (delete() would); a window never written
            // (opened and closed between two commits) has nothing to delete.
            if (w.stored) store.put(w.key, null);
        }
        return closing;
    }

    /** Writes the windows changed since their last write, skipping those closed since. */
    private void writeDirty() {
        for (OpenWindow w : dirty) {
            w.dirty = false;
            if (w.closed) continue;
            writer.reset();
            w.counts.writeTo(writer);
            store.put(w.key, writer.toByteArray());
            w.stored = true;
        }
        dirty.clear();
    }

    /** One open window, decoded, with its store key (which starts with the window's start). */
    static final class OpenWindow {
        final long windowStart;
        final Bytes key;
        final WindowCounts counts;
        private boolean dirty;
        private boolean closed;
        /** In the store (written at a commit, or loaded from it): closing it must delete it there. */
        private boolean stored;

        private OpenWindow(long windowStart, Bytes key, WindowCounts counts) {
            this(windowStart, key, counts, false);
        }

        private OpenWindow(long windowStart, Bytes key, WindowCounts counts, boolean stored) {
            this.windowStart = windowStart;
            this.key = key;
            this.counts = counts;
            this.stored = stored;
        }
    }
}
