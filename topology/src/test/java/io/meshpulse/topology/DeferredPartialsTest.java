package io.meshpulse.topology;

import static io.meshpulse.topology.PairWindowsTopologyTest.CHECKOUT_IP;
import static io.meshpulse.topology.PairWindowsTopologyTest.CHECKOUT_POD;
import static io.meshpulse.topology.PairWindowsTopologyTest.PAYMENTS;
import static io.meshpulse.topology.PairWindowsTopologyTest.PAYMENTS_IP;
import static io.meshpulse.topology.PairWindowsTopologyTest.SHOP;
import static io.meshpulse.topology.PairWindowsTopologyTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.WindowCounts;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The parsing task counts lines into decoded windows and writes a changed window to its store once per commit
 * (DeferredWritesStore). What a commit covers must be in the store, or a restart would lose lines whose input
 * offsets were committed. (The test driver deletes its state when closed, so the restart itself is checked on a
 * real broker by {@code TopologyRestartIT}.)
 */
class DeferredPartialsTest extends SpineWiring {

    @Test
    void everyCommitLeavesTheStoreHoldingEveryLineCountedSoFar() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            for (int i = 0; i < 3; i++) outbound(t, i);
            // the test driver commits after each input record, as a stream thread does every commit interval
            assertEquals(3, storedRequests(t));
            outbound(t, 4);
            outbound(t, 5);
            assertEquals(5, storedRequests(t));
        }
    }

    private static void outbound(TopologyTestSupport t, int second) {
        t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(second)));
    }

    /** Requests summed over every partial window in the parsing task's store, read as the store holds them. */
    private static long storedRequests(TopologyTestSupport t) {
        KeyValueStore<Bytes, byte[]> store = t.driver.getKeyValueStore(Names.PARTIALS_STORE);
        long sum = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                sum += WindowCounts.readFrom(new BinaryReader(kv.value)).requests();
            }
        }
        return sum;
    }
}
