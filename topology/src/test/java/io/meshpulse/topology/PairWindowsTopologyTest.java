package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.stats.WindowCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.Test;

class PairWindowsTopologyTest extends SpineWiring {
    static final String SHOP = "shop";
    static final String CHECKOUT_POD = "checkout-api-7d4f8b9c6-x2k4q";
    static final String CHECKOUT_IP = "10.244.1.17";
    static final String PAYMENTS_POD = "payments-api-5c8d7f6b9-q9wz7";
    static final String PAYMENTS_IP = "10.244.2.31";
    static final String PAYMENTS = "payments-api.payments.svc.cluster.local";

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void countsOneWindowOfOutboundCallsWithClassesAndLatency() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            for (int i = 0; i < 8; i++) {
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(i)).duration(10 + i));
            }
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(8)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(9)).uc());
            assertTrue(t.stats().isEmpty(), "nothing is emitted before the window closes");

            t.endOfInput();

            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size());
            PairWindowStats s = out.get(0);
            assertEquals("2026-11-20T10:00:00.000Z", s.windowStart());
            assertEquals("2026-11-20T10:00:10.000Z", s.windowEnd());
            assertEquals("source", s.reporter());
            assertEquals(new WorkloadRef(SHOP, "checkout-api"), s.source());
            // payments-api has sent no line of its own, so its pod IP is not known yet: workload unknown.
            assertEquals(new ServiceRef("payments", PAYMENTS, null), s.destination());
            assertEquals(10, s.requests());
            assertEquals(2, s.failures());
            assertEquals(0.8, s.successRatio(), 1e-9);
            assertEquals(Map.of("UC", 2L), s.byClass());
            assertEquals(Map.of("2xx", 8L, "5xx", 2L), s.byCodeClass());
            assertEquals(2950, s.bytesSent());
            assertNotNull(s.latencyMs().p50());
            // Durations 10..17 ms and two of 12 ms: the lower-rank median is 12, the p99 is 16 (within 1%).
            assertEquals(12, s.latencyMs().p50(), 12 * 0.01 + 0.05);
            assertEquals(16, s.latencyMs().p99(), 16 * 0.01 + 0.05);
        }
    }

    @Test
    void windowsCloseOnEventTimeAfterTheGrace() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(39)));
            assertTrue(t.stats().isEmpty(), "window [0,10) still within its 30s grace at t=39");

            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(40)));
            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size(), "window [0,10) closes when event time reaches its end + grace");
            assertEquals("2026-11-20T10:00:00.000Z", out.get(0).windowStart());
            assertEquals(1, out.get(0).requests());
        }
    }

    @Test
    void anEarlyLookShowsAWindowsCountsPastItsEndOnceWithoutClosingIt() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings().withEarly(Duration.ofSeconds(2)))) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(8)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(9)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(11)));
            assertTrue(t.earlyLooks().isEmpty(), "event time 11 s: not yet 2 s past the end of [0,10)");

            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(12)));
            List<PairWindowStats> looks = t.earlyLooks();
            assertEquals(1, looks.size(), "one look at [0,10) for the one pair");
            PairWindowStats look = looks.get(0);
            assertEquals("2026-11-20T10:00:00.000Z", look.windowStart());
            assertEquals(3, look.requests());
            assertEquals(Map.of("UC", 2L), look.byClass());
            assertTrue(t.stats().isEmpty(), "the window stays open for its grace");

            // A late line still counts in the closed window; no second look at a window.
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(5)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(13)));
            assertTrue(t.earlyLooks().isEmpty());

            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(40)));
            List<PairWindowStats> closed = t.stats();
            assertEquals(1, closed.size());
            assertEquals(4, closed.get(0).requests(), "the closed window has every line, the late one included");
            assertEquals(Map.of("UC", 3L), closed.get(0).byClass());
            // Event time jumped from 13 to 40: [0,10) closed (40 - 30 s grace), [10,20) is still open and 2 s past
            // its end, so it gets its look: three lines, no failures.
            List<PairWindowStats> more = t.earlyLooks();
            assertEquals(List.of("2026-11-20T10:00:10.000Z"), more.stream().map(PairWindowStats::windowStart).toList());
            assertEquals(3, more.get(0).requests());
        }
    }

    @Test
    void withLooksEveryHalfWindowAWindowInProgressIsShownUpToItsMiddleThenWhole() {
        Settings s = halfWindowLooks();
        try (TopologyTestSupport t = support(s)) {
            call(t, at(1), false);
            call(t, at(4), true);
            call(t, at(6), true);
            assertTrue(t.earlyLooks().isEmpty(), "event time 6 s: not yet 2 s past the point at 5 s");

            call(t, at(7), false);
            List<PairWindowStats> looks = t.earlyLooks();
            assertEquals(1, looks.size(), "one look inside [0,10), at its middle");
            PairWindowStats mid = looks.get(0);
            assertEquals("2026-11-20T10:00:00.000Z", mid.windowStart());
            assertEquals("2026-11-20T10:00:05.000Z", mid.windowEnd(), "shown as the window up to the point");
            // The counts as they stand when the clock passes 7 s: the lines read before the one that moved it
            // (those after the point included, as the line at 6 s).
            assertEquals(3, mid.requests());
            assertEquals(Map.of("UC", 2L), mid.byClass());

            call(t, at(9), true);
            call(t, at(12), false);
            looks = t.earlyLooks();
            assertEquals(1, looks.size(), "the look at the end of [0,10); [10,20) has no point passed yet");
            assertEquals("2026-11-20T10:00:10.000Z", looks.get(0).windowEnd());
            assertEquals(5, looks.get(0).requests());
            assertEquals(Map.of("UC", 3L), looks.get(0).byClass());

            // Event time jumps from 12 to 29 s: [10,20) ended (its last look, whole, its middle passed over) and
            // the point at 25 s is inside [20,30), which has no line yet. Then a line of [20,30) moves no clock.
            call(t, at(29), false);
            call(t, at(21), true);
            looks = t.earlyLooks();
            assertEquals(List.of("10:00:10.000Z-10:00:20.000Z 1"), spans(looks));
            // At 32 s the clock is 2 s past the point at 30 s: [20,30)'s end look, with both its lines.
            call(t, at(32), false);
            looks = t.earlyLooks();
            assertEquals(List.of("10:00:20.000Z-10:00:30.000Z 2"), spans(looks));
            assertTrue(t.stats().isEmpty(), "looks close nothing");

            call(t, at(45), false);
            List<PairWindowStats> closed = t.stats();
            assertEquals(1, closed.size());
            assertEquals("2026-11-20T10:00:10.000Z", closed.get(0).windowEnd(), "closed windows are whole windows");
            assertEquals(5, closed.get(0).requests());
        }
    }

    @Test
    void eachLookPointIsMarkedOnceForTheTaskAfterItsLooksEvenWithNothingToShow() {
        Settings s = halfWindowLooks();
        try (TopologyTestSupport t = support(s)) {
            call(t, at(1), true);
            // The first line starts the clock; the point 2 s before it (-5 s) is marked, as nothing came before it.
            assertEquals(List.of(at(-5).toEpochMilli() + "/0/1"), t.lookMarks());
            call(t, at(6), false);
            assertEquals(List.of(at(0).toEpochMilli() + "/0/1"), t.lookMarks(), "2 s past the point at 0 s");
            assertTrue(t.earlyLooks().isEmpty(), "nothing before 0 s to show");
            call(t, at(7), false);
            assertEquals(1, t.earlyLooks().size());
            assertEquals(List.of(at(5).toEpochMilli() + "/0/1"), t.lookMarks(), "task 0 of 1 has looked up to 5 s");
            call(t, at(8), false);
            assertTrue(t.lookMarks().isEmpty(), "one mark a point");

            // Event time jumps over three points: one mark, for the last (a mark says "every point up to here").
            call(t, at(27), false);
            assertEquals(List.of("10:00:00.000Z-10:00:10.000Z 4"), spans(t.earlyLooks()), "the line at 27 s came after");
            assertEquals(List.of(at(25).toEpochMilli() + "/0/1"), t.lookMarks());
            // A point with no window to show (nothing since 27 s, and [20,30)'s look at 25 s was sent) is still
            // marked: the alerts stage waits for every task's mark, not for looks.
            call(t, at(41), false);
            assertEquals(List.of("10:00:20.000Z-10:00:30.000Z 1"), spans(t.earlyLooks()));
            assertEquals(List.of(at(35).toEpochMilli() + "/0/1"), t.lookMarks());
        }
    }

    @Test
    void aTaskBetweenLinesLooksAndMarksAsFarAsTheHeartbeatsVouch() {
        Settings s = halfWindowLooks();
        try (TopologyTestSupport t = support(s)) {
            call(t, at(1), true);
            call(t, at(2), true);
            assertEquals(List.of(at(-5).toEpochMilli() + "/0/1", at(0).toEpochMilli() + "/0/1"), t.lookMarks());
            // No more lines on this partition, but the node's tailer says it has read everything written before 8 s:
            // the look at 5 s needs no line past 7 s.
            t.heartbeat("tail/node-1", at(8));
            assertEquals(List.of("10:00:00.000Z-10:00:05.000Z 2"), spans(t.earlyLooks()));
            assertEquals(List.of(at(5).toEpochMilli() + "/0/1"), t.lookMarks());
            t.heartbeat("tail/node-1", at(12));
            assertEquals(List.of("10:00:00.000Z-10:00:10.000Z 2"), spans(t.earlyLooks()));
            assertEquals(List.of(at(10).toEpochMilli() + "/0/1"), t.lookMarks());
            assertTrue(t.stats().isEmpty(), "the frontier moves looks, not closing: [0,10) waits for its grace");
        }
        // Without heartbeats the clock is the task's lines: it stands still until the idle advance (5 s of wall
        // clock without input).
        try (TopologyTestSupport t = support(s)) {
            call(t, at(1), true);
            call(t, at(2), true);
            assertEquals(2, t.lookMarks().size(), "up to 0 s");
            t.advanceWallClock(Duration.ofSeconds(3));
            assertTrue(t.lookMarks().isEmpty());
            assertTrue(t.earlyLooks().isEmpty());
        }
    }

    /** Looks 2 s past each half window, as {@code run} does by default. */
    private static Settings halfWindowLooks() {
        return TopologyTestSupport.settings().withEarly(Duration.ofSeconds(2)).withEarlyEvery(Duration.ofSeconds(5));
    }

    /** One call checkout → payments starting at {@code start}, failed with UC or not. */
    private static void call(TopologyTestSupport t, Instant start, boolean uc) {
        IstioLine l = IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(start);
        t.line(SHOP, CHECKOUT_POD, uc ? l.uc() : l);
    }

    /** Each look as "start-end requests", times of day. */
    private static List<String> spans(List<PairWindowStats> looks) {
        return looks.stream().map(l -> l.windowStart().substring(11) + "-" + l.windowEnd().substring(11) + " "
                + l.requests()).toList();
    }

    @Test
    void looksMustComeAWholeNumberOfTimesAWindow() {
        Settings s = TopologyTestSupport.settings();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.withEarlyEvery(Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("divide the window"), e.getMessage());
        assertEquals(Duration.ofSeconds(10), s.earlyStep(), "once a window unless asked");
        e = assertThrows(IllegalArgumentException.class,
                () -> s.withEarlyEvery(Duration.ofSeconds(5)).withEarly(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("must be shorter than earlyEvery"), e.getMessage());
    }

    @Test
    void earlyLooksFollowTheWallClockWhenTrafficStopsAndAreOffByDefault() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings().withEarly(Duration.ofSeconds(2)))) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)).uc());
            long seconds = 0;
            List<PairWindowStats> looks = List.of();
            while (looks.isEmpty() && seconds < 30) {
                t.advanceWallClock(Duration.ofSeconds(1));
                seconds++;
                looks = t.earlyLooks();
            }
            assertEquals(1, looks.size(), "a look once the idle clock passed 12 s");
            assertEquals(Map.of("UC", 1L), looks.get(0).byClass());
            // Idle from wall second 5 on, when the task's clock (3 s) gains the second that just passed and then one
            // a second: it reaches 12 s, 2 s past the window's end, at wall second 13.
            assertEquals(13, seconds, "after the idle wait, as the task's clock passes 12 s");
            assertTrue(t.stats().isEmpty(), "still within the grace");
        }
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(25)));
            t.endOfInput();
            assertTrue(t.earlyLooks().isEmpty(), "no early looks unless asked for");
            assertEquals(2, t.stats().size());
        }
    }

    @Test
    void withACloseDelayAWindowPastItsGraceWaitsThatLongOnTheWallClock() {
        Settings delayed = TopologyTestSupport.settings().withCloseDelay(Duration.ofSeconds(3));
        try (TopologyTestSupport t = support(delayed)) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(40)));
            assertTrue(t.stats().isEmpty(), "grace passed, but the window waits 3 s of wall clock");
            // Its grace has passed: a line for it is late, although the window has not been sent yet. The delay is
            // for the IP table, not a longer grace that would depend on how fast the input comes.
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(2)).uc());
            List<DeadLetter> dead = t.deadLetters();
            assertEquals(1, dead.size());
            assertEquals("late", dead.get(0).kind());
            t.advanceWallClock(Duration.ofSeconds(2));
            assertTrue(t.stats().isEmpty(), "2 s is not enough");
            t.advanceWallClock(Duration.ofSeconds(1));
            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size(), "closed after 3 s, with no input needed");
            assertEquals(1, out.get(0).requests());
        }
    }

    @Test
    void theSameInputCountsTheSameWithOrWithoutACloseDelay() {
        // A replay sends minutes of event time in less than the close delay; lateness must not depend on it.
        for (Duration delay : List.of(Duration.ZERO, Duration.ofSeconds(3))) {
            try (TopologyTestSupport t = support(TopologyTestSupport.settings().withCloseDelay(delay))) {
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)));
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(45)));
                // A request that started at 8 s and took 60 s: logged after [0,10)'s grace (ended at 40 s).
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(8)).uc());
                // Exactly at the grace: event time 50 s is [10,20)'s end + 30 s, so a line of [10,20) is late too.
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(50)));
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(19)));
                t.endOfInput(true);

                Map<String, Long> requests = t.stats().stream()
                        .collect(Collectors.toMap(PairWindowStats::windowStart, PairWindowStats::requests));
                assertEquals(Map.of("2026-11-20T10:00:00.000Z", 1L, "2026-11-20T10:00:40.000Z", 1L,
                        "2026-11-20T10:00:50.000Z", 1L), requests, "close delay " + delay);
                assertEquals(List.of("late", "late"), t.deadLetters().stream().map(DeadLetter::kind).toList(),
                        "close delay " + delay);
            }
        }
    }

    /**
     * With one raw partition the task is the only one announcing IPs, and it resolves callers from its own latest
     * announcements: the end of input closes every window at once, with or without the sender's word that the IP
     * table has settled (with several, the end waits for the close delay: {@code CallerHoldTopologyTest}).
     */
    @Test
    void oneTasksEndOfInputClosesAtOnce() {
        Settings delayed = TopologyTestSupport.settings().withCloseDelay(Duration.ofSeconds(3));
        try (TopologyTestSupport t = support(delayed)) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.endOfInput();
            assertEquals(1, t.stats().size(), "no other task's announcements to wait for");
        }
        try (TopologyTestSupport t = support(delayed)) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.endOfInput(true);
            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size(), "closed at once, no wall-clock wait");
            assertEquals(1, out.get(0).requests());
        }
    }

    @Test
    void lateLinesCountWithinTheGraceAndAreDeadLetteredBeyondIt() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(5)));
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(35)));
            // 28 s behind the newest line, but its window [0,10) + 30 s grace is still open.
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(7)).uc());
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(41)));
            // Window [0,10) is now closed: a line from t=9 is too late.
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(9)));

            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size());
            assertEquals(2, out.get(0).requests());
            assertEquals(Map.of("UC", 1L), out.get(0).byClass());

            List<DeadLetter> dead = t.deadLetters();
            assertEquals(1, dead.size());
            assertEquals("late", dead.get(0).kind());
            assertTrue(dead.get(0).reason().contains("2026-11-20T10:00:00.000Z"), dead.get(0).reason());
            assertEquals(CHECKOUT_POD, dead.get(0).pod());

            t.endOfInput();
            long total = t.stats().stream().mapToLong(PairWindowStats::requests).sum();
            assertEquals(2, total, "windows [30,40) and [40,50)");
        }
    }

    @Test
    void aPodIpHandedToANewPodLeavesTheEarlierCallsWithTheEarlierPod() {
        String ip = "10.244.3.77";
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, "cart-worker-7d4f8b9c6-b2k4q", IstioLine.outbound(ip, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.line("payments", PAYMENTS_POD, IstioLine.inbound(ip, PAYMENTS_IP, PAYMENTS).at(at(2)));
            // cart-worker's pod is gone; by 25 s Kubernetes gave its IP to a new pod of another workload
            t.line("batch", "exporter-5c8d7f6b9-z9wz7", IstioLine.outbound(ip, PAYMENTS, PAYMENTS_IP).at(at(25)));
            t.line("payments", PAYMENTS_POD, IstioLine.inbound(ip, PAYMENTS_IP, PAYMENTS).at(at(26)));
            // Both windows close here, when the table's newest owner of the IP is exporter.
            t.endOfInput(true);

            Map<String, String> callerByWindow = t.stats().stream().filter(s -> s.reporter().equals("destination"))
                    .collect(Collectors.toMap(PairWindowStats::windowStart,
                            s -> s.source().namespace() + "/" + s.source().workload()));
            assertEquals(Map.of("2026-11-20T10:00:00.000Z", "shop/cart-worker",
                    "2026-11-20T10:00:20.000Z", "batch/exporter"), callerByWindow);
        }
    }

    @Test
    void aGatewaysFilterChainNotFoundIsReportedByTheGatewayNotPerClientIp() {
        String gateway = "istio-ingressgateway-6b8c7d9f5-k2l4m";
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            for (int i = 0; i < 3; i++) {
                // external clients whose SNI matches no server of the gateway: no cluster, read as inbound
                t.line("istio-ingress", gateway, "[2026-11-20T10:00:0" + (i + 1) + ".000Z] \"- - -\" 0 NR "
                        + "filter_chain_not_found - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\" \"-\" - - "
                        + "10.244.0.10:8443 203.0.113." + (7 + i) + ":51234 unknown-host.example.com -");
            }
            // the same refusal on a sidecar (plaintext to STRICT mTLS) stays with the server that refused it
            t.line("payments", PAYMENTS_POD, "[2026-11-20T10:00:04.000Z] \"- - -\" 0 NR filter_chain_not_found - "
                    + "\"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\" \"-\" - - " + PAYMENTS_IP + ":8080 10.244.3.99:40000 - -");
            t.endOfInput(true);

            List<PairWindowStats> out = t.stats();
            assertEquals(2, out.size(), out.toString());
            PairWindowStats gw = out.stream().filter(s -> s.reporter().equals("source")).findFirst().orElseThrow();
            assertEquals(new WorkloadRef("istio-ingress", "istio-ingressgateway"), gw.source());
            assertEquals(new ServiceRef(null, "unknown-host.example.com", null), gw.destination());
            assertEquals(3, gw.requests());
            assertEquals(Map.of("NR", 3L), gw.byClass());
            PairWindowStats server = out.stream().filter(s -> s.reporter().equals("destination")).findFirst()
                    .orElseThrow();
            assertEquals("payments-api", server.destination().workload());
            assertEquals("10.244.3.99", server.source().workload());
        }
    }

    @Test
    void rejectedInputGoesToTheDeadLetterTopicWithItsReason() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, "2026-11-20T10:00:00.123456Z\tinfo\txdsproxy\tconnected to upstream XDS server");
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            t.endOfInput();

            List<DeadLetter> dead = t.deadLetters();
            assertEquals(1, dead.size());
            assertEquals("rejected", dead.get(0).kind());
            // the reason the parser gives (the topology reads it from parseView's rejection())
            assertEquals("istio-agent log (info)", dead.get(0).reason());
            assertEquals(SHOP, dead.get(0).namespace());
            assertTrue(dead.get(0).line().contains("xdsproxy"));
            assertEquals(1, t.stats().size(), "the good line is still counted");
        }
    }

    @Test
    void inboundCallerIsResolvedFromItsOwnLinesAndUnknownCallersKeepTheirIp() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // checkout-api's own outbound line reveals 10.244.1.17 as its pod IP.
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1)));
            // payments-api's server side sees calls from checkout-api and from an uninjected pod.
            t.line("payments", PAYMENTS_POD, IstioLine.inbound(CHECKOUT_IP, PAYMENTS_IP, PAYMENTS).at(at(1)));
            t.line("payments", PAYMENTS_POD, IstioLine.inbound("10.244.3.99", PAYMENTS_IP, PAYMENTS).at(at(2)).code(403)
                    .details("rbac_access_denied_matched_policy[none]"));
            t.endOfInput();

            Map<String, PairWindowStats> byReporterAndSource = t.stats().stream().collect(Collectors.toMap(
                    s -> s.reporter() + ":" + (s.source() == null ? null : s.source().workload()), s -> s));
            assertEquals(3, byReporterAndSource.size(), byReporterAndSource.keySet().toString());

            PairWindowStats client = byReporterAndSource.get("source:checkout-api");
            assertEquals(new ServiceRef("payments", PAYMENTS, "payments-api"), client.destination(),
                    "payments-api's inbound line revealed its pod IP, so the client side knows the workload");

            PairWindowStats server = byReporterAndSource.get("destination:checkout-api");
            assertEquals(new WorkloadRef(SHOP, "checkout-api"), server.source());
            assertEquals(new ServiceRef("payments", PAYMENTS, "payments-api"), server.destination());

            PairWindowStats stranger = byReporterAndSource.get("destination:10.244.3.99");
            assertNull(stranger.source().namespace());
            assertEquals(Map.of("RBAC", 1L), stranger.byClass());
        }
    }

    @Test
    void wallClockClosesWindowsWhenTrafficStops() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)));
            t.advanceWallClock(Duration.ofSeconds(20));
            assertTrue(t.stats().isEmpty(), "idle for 20 s: the window still has grace left");
            t.advanceWallClock(Duration.ofSeconds(30));
            List<PairWindowStats> out = t.stats();
            assertEquals(1, out.size(), "after window + grace of idle wall time the window is emitted");
            assertEquals(1, out.get(0).requests());
        }
    }

    @Test
    void closedWindowsAreQueryableInTheNamedWindowStore() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)).uc());
            t.endOfInput();
            PairWindowStats emitted = t.stats().get(0);

            WindowStore<String, PairWindowStats> store = t.driver.getWindowStore(Names.PAIR_STATS_STORE);
            String key = "source|shop/checkout-api|payments/" + PAYMENTS + "/-";
            try (WindowStoreIterator<PairWindowStats> it = store.fetch(key, T0.minusSeconds(60), T0.plusSeconds(60))) {
                assertTrue(it.hasNext(), "store has the window under " + key);
                assertEquals(emitted, it.next().value);
            }
        }
    }

    /** A replay nobody serves: the same windows on the topic and the same examples, none kept for queries. */
    @Test
    void withoutQueriesClosedWindowsStayOutOfTheStoreButNotOffTheTopic() {
        List<PairWindowStats> published = new java.util.ArrayList<>();
        for (boolean queries : new boolean[] {true, false}) {
            try (TopologyTestSupport t = support(TopologyTestSupport.settings().withStatsQueries(queries))) {
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(3)).uc());
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(14)));
                t.endOfInput();
                List<PairWindowStats> out = t.stats();
                assertEquals(2, out.size());
                published.addAll(out);

                WindowStore<String, PairWindowStats> store = t.driver.getWindowStore(Names.PAIR_STATS_STORE);
                try (var it = store.all()) {
                    int kept = 0;
                    for (; it.hasNext(); it.next()) kept++;
                    assertEquals(queries ? 2 : 0, kept, "windows kept for queries with statsQueries=" + queries);
                }
                WindowStore<String, PairExemplars> examples = t.driver.getWindowStore(Names.PAIR_EXEMPLARS_STORE);
                try (var it = examples.all()) {
                    assertTrue(it.hasNext(), "the alerts' example lines are kept either way");
                }
            }
        }
        assertEquals(published.subList(0, 2), published.subList(2, 4));
    }

    @Test
    void failureExamplesAreKeptRedactedPerClassInTheExemplarStore() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            for (int i = 0; i < 5; i++) {
                t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(1 + i)).uc()
                        .request("POST /charge?card=4111111111111111&n=" + i + " HTTP/1.1"));
            }
            t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(7)));
            t.endOfInput();

            WindowStore<String, PairExemplars> store = t.driver.getWindowStore(Names.PAIR_EXEMPLARS_STORE);
            String key = "source|shop/checkout-api|payments/" + PAYMENTS + "/-";
            try (WindowStoreIterator<PairExemplars> it = store.fetch(key, T0.minusSeconds(60), T0.plusSeconds(60))) {
                assertTrue(it.hasNext(), "exemplars kept under " + key);
                PairExemplars ex = it.next().value;
                assertEquals(List.of("UC"), List.copyOf(ex.byClass().keySet()), "successes are not examples");
                List<String> uc = ex.of("UC");
                assertEquals(WindowCounts.EXEMPLARS_PER_CLASS, uc.size(), "capped per class");
                for (String line : uc) {
                    assertTrue(line.contains("\"POST /charge?REDACTED HTTP/1.1\""), line);
                    assertTrue(!line.contains("4111"), line);
                }
            }
        }
    }
}
