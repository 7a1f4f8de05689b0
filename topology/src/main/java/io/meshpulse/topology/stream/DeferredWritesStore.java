package io.meshpulse.topology.stream;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A key-value store whose owner may hold writes back in memory until the task commits.
 *
 * <p>The parsing task counts every line into its window's partial counts. Writing those counts through to the
 * store on every line meant serialising the window (counts, latency sketch, examples) and a trip through the record
 * cache per line, only for the cache to keep the last version until the commit. Instead the task keeps the decoded
 * counts, notes which windows changed, and writes each changed window once, when this store is told to flush its
 * cache: Kafka Streams does that for every store of a task before the commit sends the changelog records and the
 * input offsets in one transaction, so the changelog always holds every line whose offset is committed.
 *
 * <p>It sits outside the store {@link org.apache.kafka.streams.state.Stores} builds (metered, cached, logged
 * RocksDB) and is the store the task registers, which is how its {@link #flushCache()} is reached. It builds on
 * Kafka Streams' {@link WrappedStateStore}, an internal class; {@code PairWindowsTopologyTest} (counts across
 * commits) and {@code ReplayIT} (exact counts end to end) fail if that contract changes.
 */
public final class DeferredWritesStore extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
        implements KeyValueStore<Bytes, byte[]> {

    private Runnable beforeFlush = () -> { };

    DeferredWritesStore(KeyValueStore<Bytes, byte[]> inner) {
        super(inner);
    }

    /** Wraps what {@code inner} builds. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> builder(StoreBuilder<KeyValueStore<Bytes, byte[]>> inner) {
        return new Builder(inner);
    }

    /**
     * The deferred-writes layer under the store a processor got from its context (which wraps it in a read-write
     * decorator), or an exception naming the store when it was built without one.
     */
    public static DeferredWritesStore of(StateStore fromContext) {
        StateStore s = fromContext;
        while (!(s instanceof DeferredWritesStore) && s instanceof WrappedStateStore<?, ?, ?> w) s = w.wrapped();
        if (s instanceof DeferredWritesStore d) return d;
        throw new IllegalStateException("store " + fromContext.name() + " must be built with DeferredWritesStore.builder");
    }

    /** Sets what writes the owner's held-back values into this store; runs before every cache flush. */
    public void beforeFlush(Runnable writer) {
        this.beforeFlush = writer;
    }

    @Override
    public void flushCache() {
        beforeFlush.run();
        super.flushCache();
    }

    @Override
    public void put(Bytes key, byte[] value) {
        wrapped().put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public byte[] delete(Bytes key) {
        return wrapped().delete(key);
    }

    @Override
    public byte[] get(Bytes key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    private record Builder(StoreBuilder<KeyValueStore<Bytes, byte[]>> inner)
            implements StoreBuilder<KeyValueStore<Bytes, byte[]>> {
        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingEnabled() {
            return new Builder(inner.withCachingEnabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withCachingDisabled() {
            return new Builder(inner.withCachingDisabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingEnabled(Map<String, String> config) {
            return new Builder(inner.withLoggingEnabled(config));
        }

        @Override
        public StoreBuilder<KeyValueStore<Bytes, byte[]>> withLoggingDisabled() {
            return new Builder(inner.withLoggingDisabled());
        }

        @Override
        public KeyValueStore<Bytes, byte[]> build() {
            return new DeferredWritesStore(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
