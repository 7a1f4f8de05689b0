package io.meshpulse.topology.stream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class CoverageNotesTest {
    private static final long W1 = 1_700_000_000_000L;
    private static final long W2 = W1 + 10_000;

    private final MockProcessorContext<String, MetricsInput> context = new MockProcessorContext<>();
    private final CoverageNotes notes = new CoverageNotes();

    CoverageNotesTest() {
        notes.init(context);
    }

    private static PairWindowStats stats(long ws, String reporter, String client, String server) {
        return new PairWindowStats(Times.rfc3339(ws), Times.rfc3339(ws + 10_000), reporter,
                new WorkloadRef("shop", client), new ServiceRef("shop", server + ".shop.svc.cluster.local", server),
                5, 0, 1.0, Map.of("NONE", 5L), Map.of("2xx", 5L), null, 0, 0);
    }

    private List<String> send(PairWindowStats... all) {
        context.resetForwards();
        for (PairWindowStats s : all) notes.process(new Record<>("pair", s, 0));
        return context.forwarded().stream().map(f -> {
            MetricsInput.Covered c = (MetricsInput.Covered) f.record().value();
            return f.record().key() + "@" + (c.startMillis() - W1) + ".." + (c.endMillis() - W1);
        }).toList();
    }

    @Test
    void eachReporterIsNotedOncePerWindow() {
        List<String> sent = send(
                stats(W1, "source", "frontend", "cart"),
                stats(W1, "source", "frontend", "catalog"), // same reporter, same window: dropped
                stats(W1, "destination", "frontend", "cart"), // the cart server's own proxy
                stats(W1, "destination", "checkout", "cart"), // cart again: dropped
                stats(W1, "source", "checkout", "cart"),
                stats(W2, "source", "frontend", "cart"), // the next window
                stats(W2, "source", "frontend", "catalog"));
        assertEquals(List.of(
                "source|shop/frontend@0..10000",
                "destination|shop/cart@0..10000",
                "source|shop/checkout@0..10000",
                "source|shop/frontend@10000..20000"), sent);
    }

    @Test
    void aReporterSeenInAnotherWindowMeanwhileIsNotedAgain() {
        send(stats(W1, "source", "frontend", "cart"));
        send(stats(W2, "source", "frontend", "cart"));
        // a late window of W1 again (a restarted task re-emits nothing, but stats may come in any order)
        assertEquals(List.of("source|shop/frontend@0..10000"), send(stats(W1, "source", "frontend", "catalog")));
    }
}
