package io.meshpulse.app.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bounded cardinality: at most N pairs get series, the rest add up under "other", failing pairs win slots. */
class PairMetricsTest {
    private static final long T0 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
    private static final long STALE = Duration.ofMinutes(5).toMillis();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PairMetrics metrics = new PairMetrics(registry, 3, STALE);

    @Test
    void pairsBeyondTheLimitAddUpUnderOther() {
        for (int i = 0; i < 5; i++) accept("wl-" + i, T0, 100 + i, 0, Map.of());
        assertEquals(3, metrics.trackedCount());
        assertEquals(3 + 1, registry.find(PairMetrics.REQUESTS).counters().size(), "3 pairs and 'other'");
        assertEquals(100 + 101 + 102 + 103 + 104, total(), 0.0, "no request lost");
        assertEquals(103 + 104, registry.find(PairMetrics.REQUESTS).tag("source_workload", "other").counter().count(), 0.0);
    }

    @Test
    void aFailingPairTakesTheSlotOfTheWeakestHealthyPair() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 100, 0, Map.of());
        accept("broken", T0 + 10_000, 50, 30, Map.of("UC", 30L));
        assertTrue(metrics.isTracked(key("broken")));
        assertEquals(3, metrics.trackedCount());
        Counter uc = registry.find(PairMetrics.FAILURES).tag("source_workload", "broken").tag("failure_class", "UC").counter();
        assertEquals(30, uc.count(), 0.0);
        Gauge ratio = registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "broken").gauge();
        assertEquals(0.4, ratio.value(), 1e-9);
        assertEquals(1, registry.find(PairMetrics.EVICTIONS).counter().count(), 0.0);
    }

    @Test
    void aNewcomerNeedsMoreThanTwiceTheWeakestScore() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 100, 0, Map.of());
        accept("similar", T0, 150, 0, Map.of());
        assertFalse(metrics.isTracked(key("similar")), "no flapping between pairs of similar traffic");
        assertEquals(150, registry.find(PairMetrics.REQUESTS).tag("source_workload", "other").counter().count(), 0.0);
    }

    @Test
    void quietPairsAreDroppedWithTheirGauges() {
        accept("wl-0", T0, 100, 0, Map.of());
        accept("wl-1", T0 + STALE, 100, 0, Map.of());
        metrics.sweep(T0 + STALE + 20_000);
        assertFalse(metrics.isTracked(key("wl-0")));
        assertTrue(metrics.isTracked(key("wl-1")));
        assertEquals(null, registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "wl-0").gauge());
    }

    @Test
    void nonFailureClassesAreNotFailures() {
        accept("wl-0", T0, 100, 5, Map.of("APP_5XX", 5L, "APP_4XX", 7L, "DI", 2L));
        assertEquals(1, registry.find(PairMetrics.FAILURES).counters().size());
        assertEquals(5, registry.find(PairMetrics.FAILURES).tag("failure_class", "APP_5XX").counter().count(), 0.0);
    }

    private double total() {
        return registry.find(PairMetrics.REQUESTS).counters().stream().mapToDouble(Counter::count).sum();
    }

    private void accept(String source, long windowStart, long requests, long failures, Map<String, Long> byClass) {
        PairWindowStats s = new PairWindowStats(Times.rfc3339(windowStart), Times.rfc3339(windowStart + 10_000), "source",
                new WorkloadRef("shop", source), new ServiceRef("shop", "api.shop.svc.cluster.local", "api"), requests,
                failures, requests == 0 ? 1 : (double) (requests - failures) / requests, byClass, Map.of("2xx", requests - failures),
                new LatencySummary(10.0, 20.0, 30.0), 0, 0);
        metrics.accept(key(source), s, windowStart + 10_000);
    }

    private static String key(String source) {
        return "source|shop/" + source + "|shop/api.shop.svc.cluster.local/api";
    }
}
