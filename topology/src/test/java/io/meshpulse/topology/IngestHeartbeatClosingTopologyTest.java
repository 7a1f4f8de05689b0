package io.meshpulse.topology;

import static io.meshpulse.topology.IngestHeartbeatTopologyTest.NODE_1;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.NODE_2;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.at;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.bothLive;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.node1Live;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.cart;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.checkout;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.perWindow;
import static io.meshpulse.topology.IngestHeartbeatTopologyTest.total;
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
 * The ingests' heartbeats bound when a busy task closes its windows, not only its idle clock: a window closes (and a
 * line of it is late) only once the task's clock and the oldest "no unread line before T" among the tailers it
 * follows are both past its end plus the grace. A tailer's silence counts towards its expiry only while the task hears
 * something else. Wall clock and event time are driven by hand as in {@link IngestHeartbeatTopologyTest}: the wall
 * clock starts at {@link TopologyTestSupport#T0} and moves one punctuation (1 s) at a time; lines start at
 * {@code T0 + s}. Defaults: 10 s windows, 30 s grace, idle after 5 s, heartbeat expiry 90 s.
 */
class IngestHeartbeatClosingTopologyTest extends SpineWiring {
    // the pods, IPs, tailers and two-node helpers of IngestHeartbeatTopologyTest: checkout on node 1, cart on node 2

    @Test
    void afterAnOutageTheTailerThatResumesLastHasItsOutageLinesCounted() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            IngestHeartbeatTopologyTest.beforeTheOutage(t, NODE_1, NODE_2);

            // Given the broker away for two minutes.
            t.advanceWallClockBySeconds(120);
            // When node 1's tailer resumes first: its backlog up to now, then live lines for 20 s (node 2's tailer
            // is still backing off), which keep the task busy and its clock at now.
            for (long s = 5; s <= 120; s += 5) checkout(t, s);
            t.heartbeat(NODE_1, at(121));
            for (long s = 121; s <= 140; s++) node1Live(t, s);
            assertEquals(List.of(), t.stats(), "node 2 has not read past 4 s: no window closes");
            // And node 2's tailer resumes 20 s later with its backlog of the outage.
            for (long s = 5; s <= 140; s += 5) cart(t, s);
            t.heartbeat(NODE_2, at(141));

            // Then none of node 2's lines is late.
            assertEquals(List.of(), t.deadLetters());
            // And with both live again, windows close as the clock passes them.
            for (long s = 141; s <= 160; s++) {
                node1Live(t, s);
                t.heartbeat(NODE_2, at(s + 1));
            }
            Map<Long, Long> closed = perWindow(t.stats());
            assertEquals(5L, closed.get(0L), "[0, 10): node 1's 1, 2, 3, 5 and node 2's 5: " + closed);
            assertEquals(120L, closed.keySet().stream().max(Long::compare).orElseThrow(),
                    "closed up to the clock (160 s) less the grace: " + closed);
            t.endOfInput();
            assertEquals(t.linesSent(), sumOf(closed) + total(t.stats()), "every line counted once");
            assertEquals(List.of(), t.deadLetters());
        }
    }

    @Test
    void aTailerRestartingOnOneNodeHasItsBacklogCountedWhileTheOtherNodeKeepsTheTaskBusy() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            bothLive(t, 20);
            // Given node 2's tailer restarting (a rolling update) for 45 s, while node 1's lines keep coming.
            for (long s = 21; s <= 65; s++) node1Live(t, s);
            assertEquals(List.of(), t.stats(), "node 2 has read up to 21 s: [0, 10) waits until it is past 40 s");
            // When it is back, with its backlog from where it stopped.
            for (long s = 21; s <= 65; s++) cart(t, s);
            t.heartbeat(NODE_2, at(66));

            // Then every line of the restart counts in its window; none is late.
            assertEquals(List.of(), t.deadLetters());
            for (long s = 66; s <= 80; s++) {
                node1Live(t, s);
                t.heartbeat(NODE_2, at(s + 1));
            }
            Map<Long, Long> closed = perWindow(t.stats());
            assertEquals(20L, closed.get(20L), "[20, 30): 10 lines of each node, 10 of node 2's from its backlog");
            assertEquals(40L, closed.keySet().stream().max(Long::compare).orElseThrow(), closed.toString());
            t.endOfInput();
            assertEquals(t.linesSent(), sumOf(closed) + total(t.stats()), "every line counted once");
            assertEquals(List.of(), t.deadLetters());
        }
    }

    @Test
    void aDeadTailerHoldsClosingOnlyForTheExpiryOfTimeInWhichOthersAreHeard() {
        Settings settings = TopologyTestSupport.settings().withHeartbeatExpiry(Duration.ofSeconds(90)); // the default
        try (TopologyTestSupport t = support(settings)) {
            bothLive(t, 20);
            // Given node 2 deleted with its tailer: never heard again, while node 1 goes on.
            for (long s = 21; s <= 105; s++) node1Live(t, s);
            assertEquals(List.of(), t.stats(), "85 s of node 1 heard: node 2 still holds closing at 21 s");
            // When the 90 s pass.
            for (long s = 106; s <= 125; s++) node1Live(t, s);

            // Then the windows close on the task's clock alone, with node 2's lines in them.
            Map<Long, Long> closed = perWindow(t.stats());
            assertEquals(20L, closed.get(10L), "[10, 20): 10 lines of each node");
            assertEquals(80L, closed.keySet().stream().max(Long::compare).orElseThrow(),
                    "closed up to 90 s, the clock (125 s) less the grace: " + closed);
            // And a line of node 2's that comes after all is late, as it always was.
            cart(t, 25);
            List<DeadLetter> dead = t.deadLetters();
            assertEquals(1, dead.size(), dead.toString());
            assertEquals("late", dead.get(0).kind());
        }
    }

    @Test
    void aTotalOutageLongerThanTheExpiryExpiresNobody() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            IngestHeartbeatTopologyTest.beforeTheOutage(t, NODE_1, NODE_2);

            // Given the broker away for ten minutes, far longer than the 90 s expiry: nobody is heard.
            t.advanceWallClockBySeconds(600);
            assertEquals(List.of(), t.stats(), "nobody expired: the clock still waits at 4 s");

            // When node 1's tailer resumes with its backlog and goes on live; node 2's resumes 30 s later.
            for (long s = 5; s <= 600; s += 5) checkout(t, s);
            t.heartbeat(NODE_1, at(601));
            for (long s = 601; s <= 630; s++) node1Live(t, s);
            for (long s = 5; s <= 630; s += 5) cart(t, s);
            t.heartbeat(NODE_2, at(631));

            // Then no line of the outage is late, from either node.
            assertEquals(List.of(), t.deadLetters());
            t.endOfInput();
            assertEquals(t.linesSent(), total(t.stats()));
            assertEquals(List.of(), t.deadLetters());
        }
    }

    @Test
    void earlyLooksFollowTheTasksClockWhileClosingWaitsForASlowTailer() {
        Settings settings = TopologyTestSupport.settings().withEarly(Duration.ofSeconds(5));
        assertTrue(settings.earlyLooks());
        try (TopologyTestSupport t = support(settings)) {
            t.heartbeat(NODE_1, T0);
            t.heartbeat(NODE_2, T0);
            // Node 2's tailer is restarting; node 1's lines come every second.
            for (long s = 1; s <= 60; s++) node1Live(t, s);

            Map<Long, Long> early = perWindow(t.earlyLooks());
            assertEquals(9L, early.get(0L), "[0, 10) looked at early, with node 1's lines: " + early);
            assertEquals(40L, early.keySet().stream().max(Long::compare).orElseThrow(),
                    "looked at up to the clock (60 s) less 5 s: " + early);
            assertEquals(List.of(), t.stats(), "while no window has closed: node 2 has read nothing past 0 s");

            // Node 2's backlog comes; the windows close with both nodes' lines.
            for (long s = 1; s <= 60; s++) cart(t, s);
            t.heartbeat(NODE_2, at(61));
            assertEquals(List.of(), t.deadLetters());
            t.advanceWallClock(Duration.ofSeconds(1));
            Map<Long, Long> closed = perWindow(t.stats());
            assertEquals(18L, closed.get(0L), "[0, 10) closed with both nodes' lines: " + closed);
            assertFalse(closed.containsKey(30L), "the clock (60 s) less the grace: up to [20, 30) " + closed);
        }
    }

    private static long sumOf(Map<Long, Long> perWindow) {
        return perWindow.values().stream().mapToLong(Long::longValue).sum();
    }
}
