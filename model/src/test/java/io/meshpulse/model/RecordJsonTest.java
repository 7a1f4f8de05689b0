package io.meshpulse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordJsonTest {
    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);
    private static final JsonCodec<MetricSample> SAMPLES = new JsonCodec<>(MetricSample.class);

    @Test
    void pairStatsCarryTheirOriginAndOldJsonReadsAsAccessLog() {
        PairWindowStats m = new PairWindowStats("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:10.000Z", "source",
                new WorkloadRef("shop", "checkout-api"), new ServiceRef("payments", "payments.payments.svc.cluster.local",
                "payments-api"), 10, 2, 0.8, Map.of("UF", 2L), Map.of("2xx", 8L, "5xx", 2L),
                new LatencySummary(null, null, null), 0, 0, PairWindowStats.ORIGIN_METRICS);
        String json = STATS.encodeToString(m);
        assertTrue(json.endsWith("\"origin\":\"metrics\"}"), json);
        assertEquals(m, STATS.decode(json));

        String old = json.replace(",\"origin\":\"metrics\"", "");
        assertEquals(PairWindowStats.ORIGIN_ACCESS_LOG, STATS.decode(old).origin());
        assertThrows(MalformedRecordException.class, () -> STATS.decode(json.replace("\"metrics\"", "\"guess\"")));
    }

    @Test
    void metricSampleRoundTripsAndIsKeyedLikePairStats() {
        MetricSample s = new MetricSample("2026-11-20T10:00:10.000Z", "2026-11-20T10:00:00.000Z",
                MetricSample.REQUESTS, "destination", new WorkloadRef(null, null),
                new ServiceRef("payments", "payments.payments.svc.cluster.local", "payments-api"), 503, "UF,URX",
                null, 4.5, "prometheus:localhost:9090");
        assertEquals(s, SAMPLES.decode(SAMPLES.encode(s)));
        assertEquals("destination|-/-|payments/payments.payments.svc.cluster.local/payments-api", s.pairKey());
        assertThrows(IllegalArgumentException.class, () -> new MetricSample("t", "s", MetricSample.REQUESTS,
                "waypoint", null, null, 200, "-", null, 1, "x"));
        assertThrows(IllegalArgumentException.class, () -> new MetricSample("t", "s", MetricSample.DURATION_BUCKET,
                "source", null, null, null, null, null, 1, "x"));
        assertThrows(IllegalArgumentException.class, () -> new MetricSample("t", "s", MetricSample.REQUESTS,
                "source", null, null, 200, "-", null, Double.NaN, "x"));
    }
}
