package io.meshpulse.alerts.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.stats.StatsBinary;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

class ExemplarEnricherTest {
    private static final String KEY = "source|shop/frontend|shop/cart.shop.svc.cluster.local";
    private static final long WS = 1_700_000_000_000L;

    private final WindowStore<String, PairExemplars> store = Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore("ex", Duration.ofHours(1), Duration.ofSeconds(10), false),
            Serdes.String(), StatsBinary.exemplarsSerde()).withLoggingDisabled().build();
    private final MockProcessorContext<String, Observation> context = new MockProcessorContext<>();
    private final ExemplarEnricher enricher = new ExemplarEnricher("ex");

    ExemplarEnricherTest() {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        enricher.init(context);
    }

    private static PairWindowStats stats(Map<String, Long> byClass) {
        long requests = byClass.values().stream().mapToLong(Long::longValue).sum();
        long failures = requests - byClass.getOrDefault("NONE", 0L) - byClass.getOrDefault("APP_4XX", 0L);
        return new PairWindowStats(Times.rfc3339(WS), Times.rfc3339(WS + 10_000), "source",
                new WorkloadRef("shop", "frontend"), new ServiceRef("shop", "cart.shop.svc.cluster.local", null),
                requests, failures, 1.0 - (double) failures / requests, byClass, Map.of("2xx", requests),
                new LatencySummary(1.0, 2.0, 3.0), 0, 0);
    }

    private Observation enrich(PairWindowStats s) {
        context.resetForwards();
        enricher.process(new Record<>(KEY, s, WS + 10_000));
        assertEquals(1, context.forwarded().size());
        return context.forwarded().get(0).record().value();
    }

    @Test
    void aWindowWithFailuresGetsItsExampleLines() {
        store.put(KEY, new PairExemplars(Map.of("UC", List.of("a UC line"))), WS);
        Observation o = enrich(stats(Map.of("NONE", 9L, "UC", 2L)));
        assertEquals(Map.of("UC", List.of("a UC line")), o.exemplars());
    }

    @Test
    void aWindowOfSuccessesOnlyIsNotLookedUp() {
        // Impossible in the topology (lines are kept only for classes other than NONE); here it shows the read
        // was skipped: on a read, these lines would be attached.
        store.put(KEY, new PairExemplars(Map.of("UC", List.of("a UC line"))), WS);
        Observation o = enrich(stats(Map.of("NONE", 11L)));
        assertEquals(Map.of(), o.exemplars());
    }

    @Test
    void everyClassButNoneMayHaveExamples() {
        assertFalse(ExemplarEnricher.mayHaveExemplars(stats(Map.of("NONE", 3L))));
        assertTrue(ExemplarEnricher.mayHaveExemplars(stats(Map.of("NONE", 3L, "APP_4XX", 1L))));
        assertTrue(ExemplarEnricher.mayHaveExemplars(stats(Map.of("DI", 1L))));
        assertTrue(ExemplarEnricher.mayHaveExemplars(stats(Map.of("EGRESS_BLOCKED", 1L))));
        assertFalse(ExemplarEnricher.mayHaveExemplars(stats(Map.of("NONE", 3L, "UC", 0L))));
    }
}
