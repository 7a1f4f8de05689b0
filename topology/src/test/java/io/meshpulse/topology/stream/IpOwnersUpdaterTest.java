package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.IpOwner;
import io.meshpulse.topology.Names;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class IpOwnersUpdaterTest {
    static final String IP = "10.244.3.77";

    static IpOwner owner(String workload, long seenAt) {
        return new IpOwner("shop", workload, workload + "-7d4f8b9c6-b2k4q", seenAt);
    }

    private final KeyValueStore<String, IpOwner> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
            Names.IP_OWNERS_STORE), Serdes.String(), new JsonSerde<>(IpOwner.class)).withLoggingDisabled().build();
    private final IpOwnersUpdater updater = new IpOwnersUpdater();

    IpOwnersUpdaterTest() {
        MockProcessorContext<Void, Void> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        updater.init(context);
    }

    @Test
    void eachWindowGetsTheOwnerOfItsTimeWithABoundedHistory() {
        updater.process(new Record<>(IP, owner("a", 1_000), 0));
        updater.process(new Record<>(IP, owner("a", 5_000), 0)); // the same pod again: no history
        updater.process(new Record<>(IP, owner("c", 60_000), 0));
        updater.process(new Record<>(IP, owner("b", 30_000), 0)); // an owner in between, announced late
        assertEquals("c", store.get(IP).workload(), "the newest owner stays the IP's value");
        assertEquals("a", IpOwnersUpdater.ownerAt(store, IP, 10_000).workload());
        assertEquals("b", IpOwnersUpdater.ownerAt(store, IP, 40_000).workload());
        assertEquals("c", IpOwnersUpdater.ownerAt(store, IP, 70_000).workload());
        assertEquals("a", IpOwnersUpdater.ownerAt(store, IP, 500).workload(), "before any sighting: the earliest");

        for (int i = 0; i < 20; i++) updater.process(new Record<>(IP, owner("p" + i, 100_000 + i * 1000L), 0));
        int kept = 0;
        try (var it = store.all()) {
            while (it.hasNext()) kept += it.next().key.startsWith(IP + "|") ? 1 : 0;
        }
        assertEquals(IpOwnersUpdater.HISTORY, kept);
        assertEquals("p19", store.get(IP).workload());
        assertEquals("p18", IpOwnersUpdater.ownerAt(store, IP, 119_000).workload());
    }

    @Test
    void aPodAnnouncedAgainKeepsItsFirstSighting() {
        updater.process(new Record<>(IP, owner("a", 1_000), 0));
        updater.process(new Record<>(IP, owner("b", 30_000), 0));
        // b's task restarted (or its cache was cleared) and announced b again, an hour of event time later
        updater.process(new Record<>(IP, owner("b", 3_600_000), 0));
        assertEquals("b", IpOwnersUpdater.ownerAt(store, IP, 50_000).workload(), "b held the IP since 30 s");
        assertEquals("a", IpOwnersUpdater.ownerAt(store, IP, 20_000).workload());
        updater.process(new Record<>(IP, owner("b", 20_000), 0)); // an earlier sighting of b, from a task behind
        assertEquals("b", IpOwnersUpdater.ownerAt(store, IP, 25_000).workload());
    }
}
