package io.meshpulse.alerts.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.stream.Emitted;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObservationSerdeTest {

    @Test
    void closedWindowsAndEarlyLooksComeBackEqual() {
        PairWindowStats s = new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:10.000Z", "source",
                new WorkloadRef("shop", "checkout-api"), new ServiceRef("payments", "payments.svc", null), 10, 2, 0.8,
                Map.of("UC", 2L), Map.of("2xx", 8L, "5xx", 2L), new LatencySummary(12.0, 15.0, 16.0), 2950, 0);
        ObservationSerde serde = new ObservationSerde();
        for (Observation o : List.of(new Observation("k1", s, Map.of("UC", List.of("line one", "line \"two\""))),
                new Observation("k2", s, Map.of(), true), new Observation(null, s, null))) {
            assertEquals(o, serde.deserializer().deserialize("t", serde.serializer().serialize("t", o)));
        }
    }

    @Test
    void lookMarksComeBackEqualAndGoToEveryPartitionWhileWindowsGoByKey() {
        ObservationSerde serde = new ObservationSerde();
        Emitted.Looked looked = new Emitted.Looked(1_795_168_805_000L, 3, 12);
        Observation mark = Observation.of(looked);
        assertNull(serde.serializer().serialize("t", mark), "no value: builds before marks skip the record");
        String key = AlertsStage.destinationNamespace(mark);
        assertEquals(looked, AlertsStage.lookMark(key), "the key holds the mark: " + key);
        assertNull(AlertsStage.lookMark("payments"));
        assertNull(AlertsStage.lookMark("|looked|1|2"));
        assertEquals(Optional.of(Set.of(0, 1, 2, 3)), AlertsStage.partitions("t", key, mark, 4));
        PairWindowStats s = new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:05.000Z", "source",
                new WorkloadRef("shop", "checkout-api"), new ServiceRef("payments", "payments.svc", null), 1, 0, 1.0,
                Map.of("NONE", 1L), Map.of("2xx", 1L), new LatencySummary(1.0, 1.0, 1.0), 0, 0);
        assertEquals(Optional.empty(), AlertsStage.partitions("t", "payments", new Observation("k", s, null, true), 4),
                "the default key hash, as before");
    }
}
