package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.topology.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

/**
 * A parsing task restarted (a rebalance, a new pod) must not send again the early looks it sent, and committed,
 * before: the alerts stage merges the looks at one point from every task, so a look sent twice while the first is
 * still settling counts its calls twice. (The restart is a new processor initialised on the same stores, as Kafka
 * Streams does with the stores it restored.)
 */
class PartialsEarlyLookRestartTest {
    private static final Instant T0 = PartialsTaskFixture.T0;

    private final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();

    @Test
    void aRestartedTaskSendsEachLookOnce() {
        Settings settings = Settings.defaults(1).withEarly(Duration.ofSeconds(2)).withEarlyEvery(Duration.ofSeconds(5));
        DeferredWritesStore partials = PartialsTaskFixture.register(context);

        // Given a task that read lines up to 18 s: looks at 5 s (the middle of [0,10)), 10 s (its end) and 15 s (the
        // middle of [10,20)), and no window closed yet (the grace is 30 s).
        PartialsProcessor before = started(settings);
        for (int s = 1; s <= 18; s++) before.process(PartialsTaskFixture.checkoutLine(s));
        assertEquals(List.of("0-5", "0-10", "10-15"), looks());
        partials.flushCache(); // the commit before the restart: those looks are out for good

        // When it restarts and reads on.
        context.resetForwards();
        PartialsProcessor after = started(settings);
        for (int s = 19; s <= 23; s++) after.process(PartialsTaskFixture.checkoutLine(s));

        // Then only the look at 20 s (the end of [10,20)) is new.
        assertEquals(List.of("10-20"), looks());
    }

    /**
     * Live, a task commits as soon as it has looked at a point, rather than at the next commit interval: the alert
     * waits for its looks and mark. Catching up on a backlog (points a window or more behind the wall clock) it
     * does not, or it would commit every few lines.
     */
    @Test
    void aTaskCommitsRightAfterALiveLookNotAfterABackloggedOne() {
        Settings settings = Settings.defaults(1).withEarly(Duration.ofSeconds(2)).withEarlyEvery(Duration.ofSeconds(5));
        PartialsTaskFixture.register(context);
        PartialsProcessor task = started(settings);
        context.setCurrentSystemTimeMs(T0.toEpochMilli() + 60_000); // a minute behind
        task.process(PartialsTaskFixture.checkoutLine(1));
        task.process(PartialsTaskFixture.checkoutLine(8));
        assertEquals(List.of("0-5"), looks());
        assertFalse(context.committed(), "a backlog: the look at 5 s is 55 s old");

        context.resetForwards();
        context.setCurrentSystemTimeMs(T0.toEpochMilli() + 12_300); // the lines are as new as the wall clock
        task.process(PartialsTaskFixture.checkoutLine(12));
        assertEquals(List.of("0-10"), looks());
        assertTrue(context.committed(), "live: out at once");
    }

    private PartialsProcessor started(Settings settings) {
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        PartialsProcessor p = new PartialsProcessor(settings);
        p.init(context);
        return p;
    }

    /** The early looks sent, as "start-end" in seconds from T0. */
    private List<String> looks() {
        return context.forwarded().stream().map(f -> (Object) f.record().value())
                .filter(v -> v instanceof Emitted.Early).map(v -> ((Emitted.Early) v).stats())
                .map(s -> seconds(s.windowStart()) + "-" + seconds(s.windowEnd())).toList();
    }

    private static long seconds(String rfc3339) {
        return (Instant.parse(rfc3339).toEpochMilli() - T0.toEpochMilli()) / 1000;
    }
}
