package io.meshpulse.topology.stream;

import java.io.File;
import java.time.Duration;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A persistent window store whose being empty does not make its task look corrupted at a restart.
 *
 * <p>Since Kafka Streams 4.3 a store keeps its changelog offset inside its own RocksDB instance (KIP-1035), and a
 * window store is one RocksDB instance per time segment. A window store with no segment has nowhere to keep an
 * offset and reports none. That is an ordinary state here: no failure yet means no exemplar, no Prometheus input
 * means no coverage, and every segment past retention is dropped. Under exactly-once, a store without an offset in
 * a task folder that is not empty makes Streams call the task corrupted, wipe every one of its stores and restore them
 * all from their changelogs; {@code meshpulse run} did that for most of its tasks at every restart.
 *
 * <p>This layer answers "offset unknown" for a store with nothing in its folder, which restores that store from the
 * start of its changelog (what the wipe would have done for it) and leaves the task's other stores as they are. With
 * no segment on disk there is no local data to distrust. A store with any segment answers exactly as before, so a
 * segment left open by a crash still fails its task's check. It builds on two internal classes of Kafka Streams
 * ({@link WrappedStateStore} and {@link OffsetCheckpoint#OFFSET_UNKNOWN}); {@code TopologyRestartIT} restarts on the
 * same state folder and fails if a store is restored again.
 */
public final class RestartSafeWindowStore extends WrappedStateStore<WindowStore<Bytes, byte[]>, Bytes, byte[]>
        implements WindowStore<Bytes, byte[]> {

    private File segments;

    private RestartSafeWindowStore(WindowStore<Bytes, byte[]> inner) {
        super(inner);
    }

    /** {@link Stores#persistentWindowStore} (no duplicates) under this layer. */
    public static WindowBytesStoreSupplier persistent(String name, Duration retention, Duration windowSize) {
        return new Supplier(Stores.persistentWindowStore(name, retention, windowSize, false));
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        segments = new File(context.stateDir(), name()); // where the segmented store keeps one folder per segment
        super.init(context, root);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        Long offset = super.committedOffset(partition);
        if (offset != null || segments == null) return offset;
        String[] entries = segments.list();
        return entries == null || entries.length == 0 ? OffsetCheckpoint.OFFSET_UNKNOWN : null;
    }

    @Override
    public void put(Bytes key, byte[] value, long windowStartTimestamp) {
        wrapped().put(key, value, windowStartTimestamp);
    }

    @Override
    public byte[] fetch(Bytes key, long time) {
        return wrapped().fetch(key, time);
    }

    @Override
    public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
        return wrapped().fetch(key, timeFrom, timeTo);
    }

    @Override
    public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
        return wrapped().backwardFetch(key, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
        return wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, long timeFrom,
                                                                   long timeTo) {
        return wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
        return wrapped().fetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
        return wrapped().backwardFetchAll(timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
        return wrapped().backwardAll();
    }

    private record Supplier(WindowBytesStoreSupplier inner) implements WindowBytesStoreSupplier {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public WindowStore<Bytes, byte[]> get() {
            return new RestartSafeWindowStore(inner.get());
        }

        @Override
        public String metricsScope() {
            return inner.metricsScope();
        }

        @Override
        public long segmentIntervalMs() {
            return inner.segmentIntervalMs();
        }

        @Override
        public long windowSize() {
            return inner.windowSize();
        }

        @Override
        public boolean retainDuplicates() {
            return inner.retainDuplicates();
        }

        @Override
        public long retentionPeriod() {
            return inner.retentionPeriod();
        }
    }
}
