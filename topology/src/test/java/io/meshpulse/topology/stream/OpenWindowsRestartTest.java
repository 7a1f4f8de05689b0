package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stats.PairKey;
import io.meshpulse.topology.stats.WindowCounts;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The pair-keyed task keeps its open windows in memory and writes them to its store only when the task commits. A
 * window that one parsing task has closed but another has not is open across commits; after a restart the task
 * must take it back from the store, or the counts sent before the restart would be lost from the window. (The
 * topology test driver deletes its state on close, so the restart is made here by initialising a new processor on
 * the same stores, as Kafka Streams does with the stores it restored.)
 */
class OpenWindowsRestartTest {
    private static final long W = 1_700_000_000_000L; // a window start (10 s windows)
    private static final PairKey PAIR =
            new PairKey("source", "shop", "checkout", "shop", "payments.shop.svc.cluster.local", "payments");

    @Test
    void aWindowOpenAtARestartKeepsTheCountsSentBeforeIt() {
        Settings settings = Settings.defaults(2).withWindow(Duration.ofSeconds(10));
        MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        DeferredWritesStore open = (DeferredWritesStore) register(context, DeferredWritesStore.builder(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(Names.OPEN_WINDOWS_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled()).build());
        register(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Names.WATERMARKS_STORE),
                Serdes.Integer(), Serdes.Long()).withLoggingDisabled().build());
        register(context, Stores.windowStoreBuilder(Stores.inMemoryWindowStore(Names.PAIR_STATS_STORE,
                Duration.ofDays(1), Duration.ofSeconds(10), false), Serdes.String(),
                MeshpulseTopology.PAIR_STATS_STORE_SERDE).withLoggingDisabled().build());
        register(context, Stores.windowStoreBuilder(Stores.inMemoryWindowStore(Names.PAIR_EXEMPLARS_STORE,
                Duration.ofDays(1), Duration.ofSeconds(10), false), Serdes.String(),
                MeshpulseTopology.EXEMPLARS_SERDE).withLoggingDisabled().build());

        WindowsProcessor before = new WindowsProcessor(settings);
        before.init(context);
        before.process(msg(new PartialMsg.Partial(W, PAIR, counts(5, 503, "UC"))));
        before.process(msg(new PartialMsg.Watermark(0, W + 10_000)));
        assertTrue(context.forwarded().isEmpty(), "parsing task 1 has not closed the window yet");
        open.flushCache(); // what the stream thread does to every store before it commits
        assertEquals(1, entries(open), "the open window is in the store once the task has committed");

        WindowsProcessor after = new WindowsProcessor(settings); // the restart: a new processor on the same stores
        after.init(context);
        after.process(msg(new PartialMsg.Partial(W, PAIR, counts(3, 200, "NONE"))));
        after.process(msg(new PartialMsg.Watermark(1, W + 10_000)));

        List<PairWindowStats> emitted = context.forwarded().stream()
                .map(f -> f.record().value())
                .filter(v -> v instanceof Emitted.Stats)
                .map(v -> ((Emitted.Stats) v).stats())
                .toList();
        assertEquals(1, emitted.size(), emitted.toString());
        assertEquals(8, emitted.get(0).requests(), "both tasks' counts, one sent before the restart");
        assertEquals(5, emitted.get(0).failures());
        open.flushCache();
        assertEquals(0, entries(open), "an emitted window leaves the store");
    }

    private static <S extends StateStore> S register(MockProcessorContext<String, Emitted> context, S store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private static Record<String, PartialMsg> msg(PartialMsg m) {
        return new Record<>(PAIR.toKeyString(), m, W);
    }

    private static WindowCounts counts(int n, int code, String failureClass) {
        WindowCounts c = new WindowCounts();
        for (int i = 0; i < n; i++) c.add(code, failureClass, 12, 100, 200);
        return c;
    }

    private static long entries(KeyValueStore<Bytes, byte[]> store) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
