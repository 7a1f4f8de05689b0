package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.PairWindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Lines delivered the way {@code ingest log-analytics} delivers them: a row reaches the workspace seconds to minutes
 * after it was written (5 to 150 s here, within the poller's 3 min overlap), and a poll every 30 s sends what has
 * become queryable since, in TimeGenerated order. Between polls the task hears nothing, so its idle clock moves on with
 * the wall clock. Wall clock and event time are driven by hand, one punctuation (1 s) at a time.
 *
 * <p>Without heartbeats most rows that arrive more than the grace (30 s) after their window's end are dead-lettered
 * as late; with the poller's heartbeat after each poll (T = the poll's time minus the overlap, the oldest row a later
 * poll can still send: {@code LogAnalyticsPollerTest} holds the poller to that), every row counts.
 */
class LogAnalyticsDeliveryTopologyTest extends SpineWiring {
    static final String INSTANCE = "log-analytics/5b0d8a3e-0000-4000-8000-00000000c0de";
    static final Duration OVERLAP = Duration.ofMinutes(3);
    static final int LINES = 1200; // two a second for ten minutes

    @Test
    void rowsSlowerThanTheGraceCountWhenThePollerSendsHeartbeats() {
        Outcome o = deliver(true);
        assertEquals(List.of(), o.dead, "nothing late");
        assertEquals(LINES, o.counted, "every row counted once");
    }

    @Test
    void withoutHeartbeatsTheSlowRowsAreLate() {
        Outcome o = deliver(false);
        System.out.println("log-analytics delivery without heartbeats: " + o.dead.size() + " of " + LINES + " rows late");
        assertTrue(o.dead.size() > LINES / 4, "late rows: " + o.dead.size());
        assertTrue(o.dead.stream().allMatch(d -> d.kind().equals("late")), o.dead.toString());
        assertEquals(LINES, o.counted + o.dead.size(), "each row counted or dead-lettered, once");
    }

    record Outcome(long counted, List<DeadLetter> dead) {}

    private Outcome deliver(boolean heartbeats) {
        Random random = new Random(1616);
        List<Instant> written = new ArrayList<>();
        List<Instant> queryable = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            Instant t = T0.plusMillis(500L * i);
            written.add(t);
            queryable.add(t.plusSeconds(5 + random.nextInt(146)));
        }
        boolean[] sent = new boolean[LINES];
        int left = LINES;
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            Instant now = T0;
            while (left > 0) {
                now = now.plusSeconds(30);
                t.advanceWallClockBySeconds(30);
                // one poll: what became queryable, oldest first (the lines are written in order, so index order)
                for (int i = 0; i < LINES; i++) {
                    if (!sent[i] && !queryable.get(i).isAfter(now)) {
                        t.line(IngestHeartbeatTopologyTest.SHOP, IngestHeartbeatTopologyTest.CHECKOUT_POD,
                                io.meshpulse.topology.IstioLine.outbound(IngestHeartbeatTopologyTest.CHECKOUT_IP,
                                        IngestHeartbeatTopologyTest.PAYMENTS, IngestHeartbeatTopologyTest.PAYMENTS_IP)
                                        .at(written.get(i)));
                        sent[i] = true;
                        left--;
                    }
                }
                if (heartbeats) t.heartbeat(INSTANCE, now.minus(OVERLAP));
            }
            // the poller goes on polling (nothing new) while the windows close
            for (int poll = 0; poll < 12; poll++) {
                now = now.plusSeconds(30);
                t.advanceWallClockBySeconds(30);
                if (heartbeats) t.heartbeat(INSTANCE, now.minus(OVERLAP));
            }
            long counted = t.stats().stream().mapToLong(PairWindowStats::requests).sum();
            return new Outcome(counted, t.deadLetters());
        }
    }
}
