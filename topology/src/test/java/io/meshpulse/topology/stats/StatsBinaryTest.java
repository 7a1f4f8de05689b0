package io.meshpulse.topology.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class StatsBinaryTest {

    @Test
    void statsComeBackEqualWithNullsEmptiesAndEitherOrigin() {
        Serde<PairWindowStats> serde = StatsBinary.statsSerde();
        List<PairWindowStats> cases = List.of(
                new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:10.000Z", "source",
                        new WorkloadRef("shop", "checkout-api"), new ServiceRef("payments", "payments.svc", "payments-api"),
                        10, 2, 0.8, new TreeMap<>(Map.of("UC", 2L)), new TreeMap<>(Map.of("2xx", 8L, "5xx", 2L)),
                        new LatencySummary(12.0, 15.5, 16.1), 2950, 0),
                new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:10.000Z", "destination",
                        null, new ServiceRef(null, null, "10.0.0.7"), 0, 0, Double.NaN, Map.of(), Map.of(),
                        new LatencySummary(null, null, null), 0, 0, PairWindowStats.ORIGIN_METRICS),
                new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:10.000Z", "source",
                        new WorkloadRef(null, "10.0.0.9"), new ServiceRef("ns", "s\u00e9rvice", null), 1, 1, 0.0,
                        Map.of("NR", 1L), Map.of("4xx", 1L), null, Long.MAX_VALUE, 7));
        for (PairWindowStats s : cases) {
            assertEquals(s, serde.deserializer().deserialize("t", serde.serializer().serialize("t", s)));
        }
    }

    @Test
    void examplesComeBackInOrderAndAnUnknownFormatIsRefused() {
        Serde<PairExemplars> serde = StatsBinary.exemplarsSerde();
        PairExemplars e = new PairExemplars(new TreeMap<>(Map.of("UC", List.of("a", "b"), "NR", List.of("c"))));
        byte[] bytes = serde.serializer().serialize("t", e);
        assertEquals(e, serde.deserializer().deserialize("t", bytes));
        assertEquals(new PairExemplars(Map.of()), serde.deserializer().deserialize("t",
                serde.serializer().serialize("t", new PairExemplars(null))));
        bytes[0] = 9;
        byte[] damaged = bytes;
        assertThrows(IllegalStateException.class, () -> serde.deserializer().deserialize("t", damaged));
    }
}
