package io.meshpulse.alerts.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.List;
import java.util.Map;
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
}
