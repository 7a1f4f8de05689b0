package io.meshpulse.alerts.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.alerts.detect.PairState;
import io.meshpulse.topology.stream.DeferredWritesStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The alerts stage's pending observations and pair states are held in memory and written when the task commits.
 * What a commit writes must be what the task holds, a restart must take it all back, and a store written the way it
 * was before (String keys, the serde's values, through the record cache) must read the same.
 */
class HeldStoreTest {
    private KeyValueStore<Bytes, byte[]> store;

    @BeforeEach
    void setUp() {
        store = DeferredWritesStore.builder(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("held"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled()).build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void aCommitWritesWhatTheTaskHoldsAndARestartTakesItBack() {
        HeldStore<PairState> held = new HeldStore<>(store, AlertsTopology.PAIR_STATE_SERDE);
        held.put("source|web/frontend|shop/cart", state("source|web/frontend|shop/cart", 3));
        held.put("source|web/frontend|shop/payments", state("source|web/frontend|shop/payments", 5));
        assertEquals(List.of(), keysInStore(), "nothing is written before the commit");

        commit();
        assertEquals(List.of("source|web/frontend|shop/cart", "source|web/frontend|shop/payments"), keysInStore());

        held.put("source|web/frontend|shop/cart", state("source|web/frontend|shop/cart", 4)); // changed
        held.delete("source|web/frontend|shop/payments");                                   // removed
        held.put("source|web/frontend|shop/catalog", state("source|web/frontend|shop/catalog", 1));
        held.delete("source|web/frontend|shop/catalog"); // added and removed between two commits
        commit();

        HeldStore<PairState> restarted = new HeldStore<>(store, AlertsTopology.PAIR_STATE_SERDE);
        assertEquals(List.of("source|web/frontend|shop/cart"), new ArrayList<>(restarted.keys()));
        assertEquals(4, restarted.get("source|web/frontend|shop/cart").windowsSeen);
        assertNull(restarted.get("source|web/frontend|shop/payments"));
        assertEquals(List.of("source|web/frontend|shop/cart"), keysInStore());
    }

    @Test
    void readsAStoreWrittenWithStringKeysAndTheSerdesValues() {
        // one store of bytes under both: first as it was built before (String keys, the serde's values), then held
        KeyValueStore<Bytes, byte[]> bytes = Stores.inMemoryKeyValueStore("shared").get();
        KeyValueBytesStoreSupplier shared = new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return "shared";
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return bytes;
            }

            @Override
            public String metricsScope() {
                return "in-memory";
            }
        };
        KeyValueStore<String, PairState> before = Stores.keyValueStoreBuilder(shared, Serdes.String(),
                AlertsTopology.PAIR_STATE_SERDE).withLoggingDisabled().build();
        before.init(new MockProcessorContext<>().getStateStoreContext(), before);
        before.put("destination|-/-|shop/cart", state("destination|-/-|shop/cart", 7));

        KeyValueStore<Bytes, byte[]> now = DeferredWritesStore.builder(Stores.keyValueStoreBuilder(shared,
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled()).build();
        now.init(new MockProcessorContext<>().getStateStoreContext(), now);
        HeldStore<PairState> held = new HeldStore<>(now, AlertsTopology.PAIR_STATE_SERDE);

        assertEquals(7, held.get("destination|-/-|shop/cart").windowsSeen);
        assertEquals("destination|-/-|shop/cart", held.get("destination|-/-|shop/cart").pairKey);
    }

    @Test
    void aRangeHoldsTheKeysFromItsStartUpToItsEnd() {
        HeldStore<PairState> held = new HeldStore<>(store, AlertsTopology.PAIR_STATE_SERDE);
        for (String k : List.of("000000000000010|a", "000000000000010|b", "000000000000020|a")) held.put(k, state(k, 1));
        assertEquals(List.of("000000000000010|a", "000000000000010|b"),
                new ArrayList<>(held.range("000000000000010|", "000000000000011|").keySet()));
    }

    private void commit() {
        DeferredWritesStore.of(store).flushCache(); // what the stream thread does to every store before it commits
    }

    private List<String> keysInStore() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) keys.add(new String(it.next().key.get(), StandardCharsets.UTF_8));
        }
        return keys;
    }

    private static PairState state(String key, int windowsSeen) {
        PairState s = new PairState();
        s.pairKey = key;
        s.windowsSeen = windowsSeen;
        return s;
    }
}
