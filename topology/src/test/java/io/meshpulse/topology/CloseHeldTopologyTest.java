package io.meshpulse.topology;

import static io.meshpulse.topology.IngestHeartbeatTopologyTest.NODE_1;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.NODE_2;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.at;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.bothLive;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.node1Live;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.cart;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.checkout;
import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.topology.stream.CloseHolds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the parsing task tells the metrics ({@link CloseHolds}) while heartbeats hold its windows back: how long the
 * hold is now, and how far each tailer it follows is behind, so that a hold is seen while it lasts and the tailer that
 * holds it is named. Wall clock and event time are driven by hand as in {@link IngestHeartbeatTopologyTest} (wall
 * clock from {@link TopologyTestSupport#T0}, one punctuation a second; lines at {@code T0 + s}). Defaults: 10 s
 * windows, 30 s grace, idle after 5 s, heartbeat expiry 90 s.
 */
class CloseHeldTopologyTest extends SpineWiring {

    private static long seconds(long millis) {
        return Duration.ofMillis(millis).toSeconds();
    }

    @Test
    void aSilentTailerShowsAsAGrowingHoldWhileTheOtherKeepsTheTaskBusyAndGoesWhenItExpires() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            bothLive(t, 20);
            t.advanceWallClock(Duration.ofSeconds(1)); // a punctuation reports what the lines and heartbeats did
            assertEquals(0, t.holds.heldMillis(), "both tailers have read past the task's clock (20 s): nothing held");
            assertEquals(Map.of(NODE_1, 0L, NODE_2, 0L), t.holds.behindMillis());

            // Given node 2's tailer silent from here on (node lost), while node 1's lines keep the task busy.
            for (long s = 22; s <= 60; s++) node1Live(t, s);
            t.advanceWallClock(Duration.ofSeconds(1));

            // Then the hold shows while it lasts: the clock (node 1's newest line, 60 s) less what node 2 last
            // said it had read (21 s), and node 2 is the tailer that is that far behind.
            assertEquals(List.of(), t.stats(), "held: no window has closed");
            assertEquals(39, seconds(t.holds.heldMillis()));
            assertEquals(Map.of(NODE_1, 0L, NODE_2, 39_000L), t.holds.behindMillis());

            // And it grows with the clock for as long as node 2 is waited for.
            for (long s = 61; s <= 100; s++) node1Live(t, s);
            t.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(79, seconds(t.holds.heldMillis()));
            assertEquals(79_000L, t.holds.behindMillis().get(NODE_2));

            // When the expiry (90 s of node 1 heard) passes, node 2 is no longer waited for: its series goes, and
            // nothing is held any more (the windows close on the task's clock).
            for (long s = 102; s <= 125; s++) node1Live(t, s);
            t.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(Map.of(NODE_1, 0L), t.holds.behindMillis(), "node 2 expired: no series left for it");
            assertEquals(0, t.holds.heldMillis());
            assertTrue(!t.stats().isEmpty(), "the windows node 2 held have closed");
        }
    }

    @Test
    void aHoldOfAnIdleTaskGrowsWithTheWallClockThoughTheIdleClockWaitsAtTheFrontier() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            IngestHeartbeatTopologyTest.beforeTheOutage(t, NODE_1, NODE_2); // lines at 1-3 s; both have read up to 4 s

            // Given a quiet mesh: node 1's tailer says every second that it has read everything (up to the wall
            // clock, never less than the 4 s it already said), node 2's is stalled.
            for (long s = 1; s <= 60; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                t.heartbeat(NODE_1, at(Math.max(4, s)));
            }
            t.advanceWallClock(Duration.ofSeconds(1));

            // Then the task's event time stays at 4 s (where node 2 holds it), but the hold shows how far the wall-clock
            // advance would have taken it: idle after 5 s, from 3 s (its newest line) one second a punctuation.
            assertEquals(List.of(), t.stats(), "held: nothing closed");
            long held = seconds(t.holds.heldMillis());
            assertEquals(56, held, "idle from the 5th second on: the clock would be at 60 s, node 2 is at 4 s");
            assertEquals(held * 1000, t.holds.behindMillis().get(NODE_2));
            assertEquals(0L, t.holds.behindMillis().get(NODE_1), "node 1 has read up to the clock");

            // When node 2's tailer is back with its backlog, the hold ends at the next punctuation.
            for (long s = 10; s <= 60; s += 5) cart(t, s);
            t.heartbeat(NODE_2, at(62));
            t.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(0, t.holds.heldMillis());
            assertEquals(Map.of(NODE_1, 0L, NODE_2, 0L), t.holds.behindMillis());
        }
    }

    @Test
    void aNodeWhoseClockIsBehindHoldsClosingByAsMuchForAsLongAsItIsBehind() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // Node 2's clock is 45 s behind: its lines and its heartbeats carry its own time. Both tailers are live.
            t.heartbeat(NODE_1, T0);
            t.heartbeat(NODE_2, T0);
            for (long s = 1; s <= 200; s++) {
                node1Live(t, s);
                if (s > 45) cart(t, s - 45);
                t.heartbeat(NODE_2, at(Math.max(0, s - 45 + 1)));
            }
            t.advanceWallClock(Duration.ofSeconds(1));

            // Node 2 is heard every second, so it never expires: the hold lasts, and says which node and how much.
            assertEquals(44, seconds(t.holds.heldMillis()), "the clock (200 s) less node 2's word (156 s)");
            assertEquals(Map.of(NODE_1, 0L, NODE_2, 44_000L), t.holds.behindMillis());
            assertEquals(List.of(), t.deadLetters(), "node 2's lines are on time, as the hold is for");
        }
    }

    @Test
    void aNodeWhoseClockIsAheadHoldsNothingTheWallClockWouldSeeAndMakesNoOtherTailerLookBehind() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // Node 2's clock is 60 s ahead: its lines take the task's event time 60 s past the wall clock, while node
            // 1's tailer (right clock) says each second that it has read up to now.
            t.heartbeat(NODE_1, T0);
            t.heartbeat(NODE_2, T0);
            for (long s = 1; s <= 120; s++) {
                node1Live(t, s);
                cart(t, s + 60);
                t.heartbeat(NODE_2, at(s + 61));
            }
            t.advanceWallClock(Duration.ofSeconds(1));

            // Closing follows node 1's word, which is the wall clock: nothing waits longer than it would without
            // heartbeats as far as the wall clock goes, and node 1 is not the one to blame.
            assertEquals(0, t.holds.heldMillis());
            assertEquals(Map.of(NODE_1, 0L, NODE_2, 0L), t.holds.behindMillis());
        }
    }

    @Test
    void aTaskWithoutHeartbeatsReportsNoHoldAndAClosedTaskNothing() {
        TopologyTestSupport t = support(TopologyTestSupport.settings());
        CloseHolds holds = t.holds;
        try (t) {
            for (long s = 1; s <= 60; s++) {
                t.advanceWallClock(Duration.ofSeconds(1));
                checkout(t, s);
            }
            t.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(1, holds.tasks());
            assertEquals(0, holds.heldMillis());
            assertEquals(Map.of(), holds.behindMillis());

            t.heartbeat(NODE_1, at(10)); // far behind the clock (60 s), and only now heard
            t.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(Map.of(NODE_1, 50_000L), holds.behindMillis());
            assertEquals(50_000L, holds.heldMillis());
        }
        // The task is closed (as when it moves to another instance): its report goes with it.
        assertEquals(0, holds.tasks());
        assertEquals(0, holds.heldMillis());
        assertEquals(Map.of(), holds.behindMillis());
    }
}
