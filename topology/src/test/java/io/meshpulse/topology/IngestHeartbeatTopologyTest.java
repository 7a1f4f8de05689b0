package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.PairWindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The ingests' heartbeats and the parsing task's idle clock. Wall clock and event time are both driven by hand: the
 * wall clock starts at {@link TopologyTestSupport#T0} and moves one punctuation (1 s) at a time, as it does live; the
 * lines' start times are {@code T0 + s}. Defaults: 10 s windows, 30 s grace, idle after 5 s. (A restart is in
 * {@code PartialsHeartbeatRestartTest}: the driver deletes its state when it closes.)
 */
class IngestHeartbeatTopologyTest extends SpineWiring {
    static final String SHOP = "shop";
    static final String NODE_1 = "tail/aks-node-1";
    static final String NODE_2 = "tail/aks-node-2";
    static final String CHECKOUT_POD = "checkout-api-7d4f8b9c6-x2k4q";
    static final String CHECKOUT_IP = "10.244.1.17";
    static final String CART_POD = "cart-api-6b5d4c3f2-m8n7p";
    static final String CART_IP = "10.244.2.23";
    static final String PAYMENTS = "payments-api.payments.svc.cluster.local";
    static final String PAYMENTS_IP = "10.244.3.31";

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    private static void call(TopologyTestSupport t, String pod, String ip, long second) {
        t.line(SHOP, pod, IstioLine.outbound(ip, PAYMENTS, PAYMENTS_IP).at(at(second)));
    }

    /** A line of node 1's pod (checkout) at {@code T0 + second}. */
    static void checkout(TopologyTestSupport t, long second) {
        call(t, CHECKOUT_POD, CHECKOUT_IP, second);
    }

    /** A line of node 2's pod (cart) at {@code T0 + second}. */
    static void cart(TopologyTestSupport t, long second) {
        call(t, CART_POD, CART_IP, second);
    }

    /** One live second of node 1: the wall clock moves to {@code second} (a punctuation), its line, its heartbeat. */
    static void node1Live(TopologyTestSupport t, long second) {
        t.advanceWallClock(Duration.ofSeconds(1));
        checkout(t, second);
        t.heartbeat(NODE_1, at(second + 1));
    }

    /** Both nodes live for {@code seconds}: node 1's line and heartbeat, node 2's line and heartbeat, each second. */
    static void bothLive(TopologyTestSupport t, long seconds) {
        t.heartbeat(NODE_1, T0);
        t.heartbeat(NODE_2, T0);
        for (long s = 1; s <= seconds; s++) {
            node1Live(t, s);
            cart(t, s);
            t.heartbeat(NODE_2, at(s + 1));
        }
    }

    /** Requests per window start, in seconds after T0, over every pair. */
    static Map<Long, Long> perWindow(List<PairWindowStats> stats) {
        Map<Long, Long> out = new TreeMap<>();
        for (PairWindowStats s : stats) {
            long start = Duration.between(T0, Instant.parse(s.windowStart())).toSeconds();
            out.merge(start, s.requests(), Long::sum);
        }
        return out;
    }

    static long total(List<PairWindowStats> stats) {
        return stats.stream().mapToLong(PairWindowStats::requests).sum();
    }

    /** The lines every outage test starts with: three calls at 1-3 s, then the ingest has read up to 4 s. */
    static void beforeTheOutage(TopologyTestSupport t, String... instances) {
        for (String i : instances) t.heartbeat(i, T0);
        for (long s = 1; s <= 3; s++) call(t, CHECKOUT_POD, CHECKOUT_IP, s);
        for (String i : instances) t.heartbeat(i, at(4));
    }

    @Test
    void linesWrittenDuringAnOutageCountInTheirWindowsWhenTheIngestSendsHeartbeats() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            beforeTheOutage(t, NODE_1);

            // Given the broker away for two minutes: no record at all reaches the task, the wall clock goes on.
            t.advanceWallClockBySeconds(120);
            assertEquals(List.of(), t.stats(), "the idle clock waits at what the ingest had read (4 s)");

            // When the ingest sends what was written meanwhile, a heartbeat after it.
            for (long s = 5; s <= 120; s += 5) call(t, CHECKOUT_POD, CHECKOUT_IP, s);
            t.heartbeat(NODE_1, at(121));

            // Then no line is late, and every one counts in its own window.
            assertEquals(List.of(), t.deadLetters());
            t.endOfInput();
            List<PairWindowStats> stats = t.stats();
            assertEquals(27, total(stats));
            Map<Long, Long> expected = new TreeMap<>();
            expected.put(0L, 4L); // 1, 2, 3, 5
            for (long w = 10; w <= 120; w += 10) expected.put(w, w == 120 ? 1L : 2L);
            assertEquals(expected, perWindow(stats));
        }
    }

    @Test
    void withoutAnyHeartbeatTheIdleClockFollowsTheWallClockAsBefore() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            beforeTheOutage(t);

            t.advanceWallClockBySeconds(120);
            assertEquals(Map.of(0L, 3L), perWindow(t.stats()),
                    "idle for two minutes with no heartbeat ever seen: the wall clock closes the window");

            for (long s = 5; s <= 120; s += 5) call(t, CHECKOUT_POD, CHECKOUT_IP, s);
            List<DeadLetter> dead = t.deadLetters();
            assertFalse(dead.isEmpty(), "lines written during the outage arrive late, as they always did");
            assertTrue(dead.stream().allMatch(d -> d.kind().equals("late")), dead.toString());
            t.endOfInput();
            assertEquals(27, total(t.stats()) + 3 + dead.size(), "each line counted once or dead-lettered once");
        }
    }

    @Test
    void theIdleClockWaitsForTheSlowestIngestAndMovesOnWhenAllHaveRead() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            beforeTheOutage(t, NODE_1, NODE_2);

            // Node 2's tailer is stalled (backing off, say); node 1's has read everything and its node is quiet.
            for (long s = 5; s <= 64; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(s));
            }
            assertEquals(List.of(), t.stats(), "node 2 has not read past 4 s: nothing closes");

            // Node 2's tailer sends its backlog.
            for (long s = 10; s <= 60; s += 5) call(t, CART_POD, CART_IP, s);
            t.heartbeat(NODE_2, at(65));
            assertEquals(List.of(), t.deadLetters(), "node 2's lines are on time");

            // Both have read everything; the mesh is quiet: the idle clock follows the wall clock again.
            for (long s = 66; s <= 130; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(s));
                t.heartbeat(NODE_2, at(s));
            }
            List<PairWindowStats> stats = t.stats();
            assertEquals(3 + 11, total(stats), "every window closed with every line: " + perWindow(stats));
            assertEquals(List.of(), t.deadLetters());
        }
    }

    @Test
    void anIngestSilentForLongerThanTheExpiryIsNoLongerWaitedFor() {
        Settings settings = TopologyTestSupport.settings().withHeartbeatExpiry(Duration.ofMinutes(2));
        try (TopologyTestSupport t = support(settings)) {
            beforeTheOutage(t, NODE_1, NODE_2);

            // Node 2 is deleted with its tailer; node 1's tailer goes on, its node quiet.
            for (long s = 5; s <= 110; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(s));
            }
            assertEquals(List.of(), t.stats(), "within the expiry, node 2 still holds the clock at 4 s");

            for (long s = 111; s <= 130; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(s));
            }
            assertEquals(Map.of(0L, 3L), perWindow(t.stats()), "node 2 dropped after 2 minutes: the window closes");
        }
    }

    @Test
    void whenEveryIngestFallsSilentForTheWallLimitTheWallClockTakesOverFromWhereTheClockWasHeld() {
        Settings settings = TopologyTestSupport.settings().withHeartbeatExpiry(Duration.ofMinutes(2));
        long limit = settings.heartbeatWallLimit().toSeconds();
        try (TopologyTestSupport t = support(settings)) {
            beforeTheOutage(t, NODE_1);

            // Nothing at all is heard (the broker away, every tailer gone): a silence counts towards the expiry only
            // while something else is heard, so the instance is still waited for long past the 2 minutes.
            t.advanceWallClockBySeconds(limit);
            assertEquals(List.of(), t.stats(), "nobody heard for the whole wall limit: still waiting");
            // The instance is dropped just after the wall limit; the clock then moves on from 4 s, not from the wall
            // clock's hour (which would close at once every window the heartbeats held open).
            t.advanceWallClockBySeconds(30);
            assertEquals(List.of(), t.stats(), "the clock has moved 30 s on from 4 s: [0, 10) still has grace");
            t.advanceWallClockBySeconds(10);
            assertEquals(Map.of(0L, 3L), perWindow(t.stats()), "and it does move: the window closes");
        }
    }

    @Test
    void heartbeatsAreNeitherLinesNorDeadLettersNorInput() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            call(t, CHECKOUT_POD, CHECKOUT_IP, 3);
            for (long s = 4; s <= 60; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(s));
            }
            t.pipeHeartbeatValue(NODE_2, "not a time");
            assertEquals(List.of(), t.deadLetters(), "a heartbeat is never a dead letter, even a malformed one");
            List<PairWindowStats> stats = t.stats();
            assertEquals(Map.of(0L, 1L), perWindow(stats),
                    "heartbeats every second leave the task idle (its clock moved with them), and count as nothing");
        }
    }
}
