package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.WindowCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
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
    /**
     * The open windows by start, then by map key. Lines come mostly in time order, so a line's window is nearly always
     * in the bucket of the line before it; closing, looking at and waiting on windows goes by start, so each touches
     * only the buckets in its range. (One map over every window made each line's lookup miss the cache while about
     * 30 windows a pair were open, and each close walk them all.)
     */
    private final TreeMap<Long, Map<K, OpenWindow>> byStart = new TreeMap<>();
    /** The bucket of the last lookup, and its start; null when none (or it was closed since). */
    private Map<K, OpenWindow> lastBucket;
    private long lastBucketStart;
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
        byStart.clear();
        lastBucket = null;
        dirty.clear();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                long ws = Keys.windowStartOf(kv.key.get());
                bucket(ws).put(keyOf.apply(kv.key), new OpenWindow(ws, kv.key,
                        WindowCounts.readFrom(new BinaryReader(kv.value)), true));
            }
        }
    }

    /** The open window starting at {@code windowStart} under {@code k}; null when there is none (it is new). */
    OpenWindow get(long windowStart, K k) {
        Map<K, OpenWindow> b = lastBucket;
        if (b == null || lastBucketStart != windowStart) {
            b = byStart.get(windowStart);
            if (b == null) return null;
            lastBucket = b;
            lastBucketStart = windowStart;
        }
        return b.get(k);
    }

    /** Opens a window that is in no store yet. */
    OpenWindow open(long windowStart, K k, Bytes storeKey, WindowCounts counts) {
        OpenWindow w = new OpenWindow(windowStart, storeKey, counts);
        bucket(windowStart).put(k, w);
        return w;
    }

    /** The bucket of {@code windowStart}, made if there is none; a line's window is opened just after its lookup. */
    private Map<K, OpenWindow> bucket(long windowStart) {
        if (lastBucket != null && lastBucketStart == windowStart) return lastBucket;
        Map<K, OpenWindow> b = byStart.computeIfAbsent(windowStart, ws -> new HashMap<>());
        lastBucket = b;
        lastBucketStart = windowStart;
        return b;
    }

    /** Marks a window changed, to be written at the next commit (listed once until then). */
    void touched(OpenWindow w) {
        if (!w.dirty) {
            w.dirty = true;
            dirty.add(w);
        }
    }

    /** The open windows starting from {@code first} to {@code last} (both included), by start (any order within one). */
    List<OpenWindow> startingIn(long first, long last) {
        List<OpenWindow> found = new ArrayList<>();
        if (first > last) return found;
        for (Map<K, OpenWindow> b : byStart.subMap(first, true, last, true).values()) found.addAll(b.values());
        return found;
    }

    /**
     * The first start from {@code first} to {@code last} (both included) with an open window whose map key passes
     * {@code test}; {@link Long#MAX_VALUE} when there is none.
     */
    long firstStartWith(long first, long last, Predicate<K> test) {
        if (first > last) return Long.MAX_VALUE;
        for (Map.Entry<Long, Map<K, OpenWindow>> e : byStart.subMap(first, true, last, true).entrySet()) {
            for (K k : e.getValue().keySet()) {
                if (test.test(k)) return e.getKey();
            }
        }
        return Long.MAX_VALUE;
    }

    /** The start of the oldest open window; {@link Long#MAX_VALUE} when none is open. */
    long oldestStart() {
        return byStart.isEmpty() ? Long.MAX_VALUE : byStart.firstKey();
    }

    /**
     * Closes the windows starting at or before {@code lastStart}: takes them out of the map and the store and
     * returns them in store-key order (window start first), as a scan of the store would give them.
     */
    List<OpenWindow> closeUpTo(long lastStart) {
        List<OpenWindow> closing = new ArrayList<>();
        for (var it = byStart.headMap(lastStart, true).values().iterator(); it.hasNext(); ) {
            Map<K, OpenWindow> b = it.next();
            for (OpenWindow w : b.values()) {
                w.closed = true;
                closing.add(w);
            }
            if (b == lastBucket) lastBucket = null;
            it.remove();
        }
        closing.sort((x, y) -> x.key.compareTo(y.key));
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
