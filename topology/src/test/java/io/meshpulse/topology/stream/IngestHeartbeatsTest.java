package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The frontier as instances come, move and go, and a silence counted only over time in which others are heard. */
class IngestHeartbeatsTest {
    private final KeyValueStore<String, Long> meta = store();

    @Test
    void theFrontierIsTheOldestWordOfTheInstancesFollowed() {
        IngestHeartbeats h = new IngestHeartbeats(90_000, 3_600_000);
        assertEquals(IngestHeartbeats.NONE, h.frontier());
        h.heard("a", 100, 0);
        h.heard("b", 50, 0);
        assertEquals(50, h.frontier());
        h.heard("b", 200, 0); // the slowest moves on: the next slowest holds it
        assertEquals(100, h.frontier());
        h.heard("a", 20, 0); // a lower word stands (a file found late)
        assertEquals(20, h.frontier());
        h.heard("a", 300, 0);
        assertEquals(200, h.frontier());
    }

    @Test
    void silenceCountsOnlyWhileSomethingElseIsHeard() {
        IngestHeartbeats h = new IngestHeartbeats(90_000, 3_600_000);
        long now = 0;
        h.tick(now);
        h.heard("a", 100, now);
        h.heard("b", 50, now);
        h.heardSomething();
        // Ten minutes of nothing heard: nobody's silence grows.
        for (int i = 0; i < 600; i++) h.tick(now += 1000);
        assertEquals(List.of(), h.expire(now, meta));
        // Then "a" is heard every second: "b" goes after 90 s of it, not before.
        for (int i = 0; i < 89; i++) { // with the second in which b was heard: 90 s
            h.heard("a", 100 + i, now);
            h.heardSomething();
            h.tick(now += 1000);
        }
        assertEquals(List.of(), h.expire(now, meta), "90 s of others heard: still waited for");
        h.heard("a", 200, now);
        h.heardSomething();
        h.tick(now += 1000);
        assertEquals(List.of("b"), h.expire(now, meta));
        assertEquals(200, h.frontier(), "the frontier without b");
    }

    @Test
    void anInstanceNotHeardForTheWallLimitGoesEvenWhenNothingElseWasHeard() {
        IngestHeartbeats h = new IngestHeartbeats(90_000, 3_600_000);
        h.heard("a", 100, 0);
        h.heardSomething();
        h.tick(0); // the task's first punctuation
        h.tick(3_600_000);
        assertEquals(List.of(), h.expire(3_600_000, meta));
        h.tick(3_600_001);
        assertEquals(List.of("a"), h.expire(3_600_001, meta));
        assertEquals(IngestHeartbeats.NONE, h.frontier());
    }

    private static KeyValueStore<String, Long> store() {
        MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        KeyValueStore<String, Long> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("meta"),
                Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        return s;
    }
}
