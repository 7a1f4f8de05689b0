package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A parsing task restarted (or moved to another instance) while an ingest cannot send must still wait for that
 * ingest: the instances it follows are in its meta store, not only in memory. (The topology test driver deletes its
 * state on close, so the restart is a new processor initialised on the same stores, as Kafka Streams does with the
 * stores it restored.)
 */
class PartialsHeartbeatRestartTest {
    private static final Instant T0 = PartialsTaskFixture.T0; // the fixture's lines are timed from it
    private static final String NODE_1 = "tail/aks-node-1";
    private static final String NODE_2 = "tail/aks-node-2";

    private final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
    private long now = T0.toEpochMilli();

    @Test
    void aRestartedTaskStillWaitsForTheIngestsItFollowed() {
        Settings settings = Settings.defaults(1);
        DeferredWritesStore partials = registerStores();
        KeyValueStore<String, Long> meta = context.getStateStore(Names.PARTIALS_META_STORE);

        // Given a task that counted three lines and heard node 1 say it had read up to 4 s.
        PartialsProcessor before = started(settings);
        before.process(heartbeat(NODE_1, T0));
        for (int s = 1; s <= 3; s++) before.process(PartialsTaskFixture.checkoutLine(s));
        before.process(heartbeat(NODE_1, T0.plusSeconds(4)));
        tick(before, 2);
        partials.flushCache(); // the commit before the restart
        // stored as first heard: a later word is written once it has moved on by ten seconds (never ahead of it)
        assertEquals(T0.toEpochMilli(), meta.get(IngestHeartbeats.PREFIX + NODE_1));

        // When meshpulse restarts while the broker is away, and the outage lasts two minutes.
        PartialsProcessor after = started(settings);
        context.resetForwards();
        tick(after, 120);

        // Then the lines written meanwhile are on time, and no window closed early.
        for (int s = 5; s <= 120; s += 5) after.process(PartialsTaskFixture.checkoutLine(s));
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aRestartedBusyTaskStillHoldsClosingForATailerThatHasNotReadPastItsWindows() {
        Settings settings = Settings.defaults(1);
        DeferredWritesStore partials = registerStores();
        KeyValueStore<String, Long> meta = context.getStateStore(Names.PARTIALS_META_STORE);

        // Given a task following two tailers, node 2's restarting (it has read up to 4 s) while node 1's lines keep
        // the task busy up to 40 s.
        PartialsProcessor before = started(settings);
        before.process(heartbeat(NODE_1, T0));
        before.process(heartbeat(NODE_2, T0));
        for (int s = 1; s <= 3; s++) before.process(PartialsTaskFixture.checkoutLine(s));
        before.process(heartbeat(NODE_2, T0.plusSeconds(4)));
        for (int s = 4; s <= 40; s++) {
            tick(before, 1);
            before.process(PartialsTaskFixture.checkoutLine(s));
            before.process(heartbeat(NODE_1, T0.plusSeconds(s + 1)));
        }
        partials.flushCache(); // the commit before the restart
        assertEquals(T0.toEpochMilli(), meta.get(IngestHeartbeats.PREFIX + NODE_2),
                "the slow tailer's word is in the meta store (as first heard: 4 s on is not yet written)");
        assertEquals(List.of(), partialsSent(), "nothing closed: node 2 holds closing at 4 s");

        // When meshpulse restarts, and node 1's lines go on for 30 s more (node 2's silence starts again from zero:
        // when each tailer was last heard is memory only).
        PartialsProcessor after = started(settings);
        context.resetForwards();
        for (int s = 41; s <= 70; s++) {
            tick(after, 1);
            after.process(PartialsTaskFixture.checkoutLine(s));
            after.process(heartbeat(NODE_1, T0.plusSeconds(s + 1)));
        }
        assertEquals(List.of(), partialsSent(), "the restarted task still holds closing for node 2");

        // Then node 2's backlog of the restart is on time.
        for (int s = 5; s <= 70; s += 5) after.process(PartialsTaskFixture.checkoutLine(s));
        after.process(heartbeat(NODE_2, T0.plusSeconds(71)));
        assertEquals(List.of(), deadLetters());
        assertEquals(false, partialsSent().isEmpty(), "and the windows close once node 2 has read past them");
    }

    @Test
    void anIdleTaskRestartedAfterALongStopCatchesUpToWhatItsIngestsHaveRead() {
        Settings settings = Settings.defaults(1);
        registerStores();

        // Given an idle task (no line on its partition) that followed node 1 up to 4 s, then stopped.
        PartialsProcessor before = started(settings);
        before.process(heartbeat(NODE_1, T0));
        before.process(heartbeat(NODE_1, T0.plusSeconds(4)));
        tick(before, 60); // idle: its clock goes to 4 s (what node 1 had read) and is stored as it closes

        // When it starts again five minutes later and node 1 says it has read up to then.
        now += 300_000;
        PartialsProcessor after = started(settings);
        context.resetForwards();
        Instant restart = Instant.ofEpochMilli(now);
        after.process(heartbeat(NODE_1, restart));
        tick(after, 45);

        // Then its watermark reaches what node 1 has read less the grace, not the clock it had before the stop plus
        // the 45 s since (every pair's windows wait for this task's watermark).
        long last = context.forwarded().stream().map(f -> (Object) f.record().value())
                .filter(v -> v instanceof Emitted.ToPartials).map(v -> ((Emitted.ToPartials) v).msg())
                .filter(m -> m instanceof PartialMsg.Watermark).mapToLong(m -> ((PartialMsg.Watermark) m).closedUpTo())
                .max().orElse(Long.MIN_VALUE);
        long expected = restart.minusSeconds(30).toEpochMilli();
        expected -= Math.floorMod(expected, 10_000L);
        assertEquals(expected, last);
    }

    @Test
    void aHeartbeatsTimeIsStoredWhenItMovesOnByTenSecondsOrGoesBack() {
        Settings settings = Settings.defaults(1);
        registerStores();
        KeyValueStore<String, Long> meta = context.getStateStore(Names.PARTIALS_META_STORE);
        PartialsProcessor p = started(settings);
        String key = IngestHeartbeats.PREFIX + NODE_1;

        p.process(heartbeat(NODE_1, T0));
        assertEquals(T0.toEpochMilli(), meta.get(key), "a new instance at once");
        for (int s = 1; s <= 9; s++) {
            p.process(heartbeat(NODE_1, T0.plusSeconds(s)));
            tick(p, 1);
        }
        assertEquals(T0.toEpochMilli(), meta.get(key), "not each second's");
        p.process(heartbeat(NODE_1, T0.plusSeconds(10)));
        tick(p, 1);
        assertEquals(T0.plusSeconds(10).toEpochMilli(), meta.get(key), "ten seconds on");
        p.process(heartbeat(NODE_1, T0.plusSeconds(8)));
        tick(p, 1);
        assertEquals(T0.plusSeconds(8).toEpochMilli(), meta.get(key), "back at once: a stored time never runs ahead");
    }

    /** A parsing task initialised on the registered stores at the current wall clock ({@link #now}). */
    private PartialsProcessor started(Settings settings) {
        context.setCurrentSystemTimeMs(now);
        PartialsProcessor p = new PartialsProcessor(settings);
        p.init(context);
        return p;
    }

    private List<Object> deadLetters() {
        return context.forwarded().stream().map(f -> (Object) f.record().value())
                .filter(v -> v instanceof Emitted.Dead).toList();
    }

    private List<PartialMsg> partialsSent() {
        return context.forwarded().stream().map(f -> (Object) f.record().value())
                .filter(v -> v instanceof Emitted.ToPartials).map(v -> ((Emitted.ToPartials) v).msg())
                .filter(m -> m instanceof PartialMsg.Partial).toList();
    }

    /** Advances the wall clock one second at a time, running the processor's wall-clock punctuator each second. */
    private void tick(PartialsProcessor p, int seconds) {
        var punctuator = context.scheduledPunctuators().get(context.scheduledPunctuators().size() - 1).getPunctuator();
        for (int i = 0; i < seconds; i++) {
            now += 1000;
            context.setCurrentSystemTimeMs(now);
            punctuator.punctuate(now);
        }
    }


    private static Record<byte[], byte[]> heartbeat(String instance, Instant upTo) {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.HEARTBEAT.getBytes(StandardCharsets.UTF_8));
        return new Record<>(instance.getBytes(StandardCharsets.UTF_8), upTo.toString().getBytes(StandardCharsets.UTF_8),
                upTo.toEpochMilli(), h);
    }

    /** The parsing task's stores (in memory, no changelog); returns the partials. */
    private DeferredWritesStore registerStores() {
        return PartialsTaskFixture.register(context);
    }
}
