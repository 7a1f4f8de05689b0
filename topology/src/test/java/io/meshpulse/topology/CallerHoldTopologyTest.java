package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.IpOwner;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.stream.IpOwnersUpdater;
import io.meshpulse.topology.stream.PartialMsg;
import io.meshpulse.topology.stream.PartialMsgSerde;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.Test;

/**
 * With several parsing tasks, a caller's IP may be announced by another task than the one whose window names it
 * (the caller's pod is read by the other task). When that task is behind (its instance started later, or reads a
 * backlog more slowly), a window naming a caller by IP waits for the other tasks' progress before it closes;
 * otherwise a caller not announced yet would be counted under the bare IP for good, and a known one whose IP has
 * passed to another pod under its earlier owner ({@link IpReuseTopologyTest}). The test driver runs one
 * parsing task (task 0 of 2): task 1's announcements, progress and watermarks are piped in by hand.
 */
class CallerHoldTopologyTest {
    static final String SHOP = "shop";
    static final String CART_POD = "cart-7d4f8b9c6-x2k4q";
    static final String CART_IP = "10.244.1.17";
    static final String CART = "cart.shop.svc.cluster.local";
    /** A frontend pod read by task 1: task 0 learns its IP only from task 1's announcement. */
    static final String FRONTEND_IP = "10.244.2.31";
    static final String FRONTEND_POD = "frontend-5c8d7f6b9-q9wz7";

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    private static final class TwoTasks implements AutoCloseable {
        final TopologyTestSupport t;
        final TestInputTopic<String, IpOwner> ipTopic;
        final TestInputTopic<String, PartialMsg> repartition;

        TwoTasks() {
            this(Settings.defaults(2));
        }

        TwoTasks(Settings settings) {
            t = new TopologyTestSupport(settings);
            ipTopic = t.driver.createInputTopic(t.topics.ipOwners(), Serdes.String().serializer(),
                    MeshpulseTopology.IP_OWNER_SERDE.serializer());
            repartition = t.driver.createInputTopic("meshpulse-test-" + Names.REPARTITION + "-repartition",
                    Serdes.String().serializer(), new PartialMsgSerde().serializer());
        }

        /** Task 1 has closed everything: the pair-keyed stage emits whatever task 0 closes. */
        void task1Watermark(long upTo) {
            repartition.pipeInput("watermark/1", new PartialMsg.Watermark(1, upTo));
        }

        void task1Announces(String ip, String namespace, String workload, String pod, Instant seen) {
            ipTopic.pipeInput(ip, new IpOwner(namespace, workload, pod, seen.toEpochMilli()));
        }

        void task1Progress(Instant upTo) {
            ipTopic.pipeInput(IpOwnersUpdater.PROGRESS_PREFIX + "1", new IpOwner(null, null, null, upTo.toEpochMilli()));
        }

        /** Inbound calls from the frontend pod's IP to cart in the first window; then event time to 45 s. */
        void cartCalledByFrontend() {
            for (int i = 1; i <= 3; i++) t.line(SHOP, CART_POD, IstioLine.inbound(FRONTEND_IP, CART_IP, CART).at(at(i)));
            t.line(SHOP, CART_POD, IstioLine.inbound(FRONTEND_IP, CART_IP, CART).at(at(45)));
        }

        /** The callers cart's first window was counted under. */
        List<String> firstWindowCallers() {
            return t.stats().stream()
                    .filter(s -> s.reporter().equals("destination") && s.windowStart().equals("2026-11-20T10:00:00.000Z"))
                    .map(s -> s.source().namespace() + "/" + s.source().workload() + "=" + s.requests())
                    .collect(Collectors.toList());
        }

        @Override
        public void close() {
            t.close();
        }
    }

    @Test
    void aWindowWaitsForTheTaskThatIsBehindToAnnounceItsCaller() {
        try (TwoTasks two = new TwoTasks()) {
            two.task1Watermark(Long.MAX_VALUE - 1);
            two.cartCalledByFrontend(); // window 0's grace has passed: task 0 would close it now
            two.t.advanceWallClockBySeconds(5);
            List<String> early = two.firstWindowCallers();
            assertTrue(early.isEmpty(), "held while task 1 has not read as far: " + early);

            // task 1 catches up: it reads frontend's lines, announces the pod's IP, and says how far it has read
            two.task1Announces(FRONTEND_IP, SHOP, "frontend", FRONTEND_POD, at(1));
            two.task1Progress(at(40));
            two.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("shop/frontend=3"), two.firstWindowCallers());
        }
    }

    @Test
    void aCallerNobodyAnnouncesIsCountedUnderItsIpOnceTheOtherTasksHaveReadPastTheWindow() {
        try (TwoTasks two = new TwoTasks()) {
            two.task1Watermark(Long.MAX_VALUE - 1);
            two.cartCalledByFrontend();
            two.t.advanceWallClockBySeconds(5);
            assertTrue(two.firstWindowCallers().isEmpty());
            two.task1Progress(at(40)); // task 1 read past the window and announced nothing: a caller without a sidecar
            two.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("null/" + FRONTEND_IP + "=3"), two.firstWindowCallers());
        }
    }

    @Test
    void aTaskThatNeverReportsHoldsTheWindowOnlyForTheHoldLimit() {
        try (TwoTasks two = new TwoTasks()) {
            two.task1Watermark(Long.MAX_VALUE - 1);
            two.cartCalledByFrontend();
            two.t.advanceWallClockBySeconds(80);
            assertTrue(two.firstWindowCallers().isEmpty(), "still waiting for task 1 after 80 s");
            two.t.advanceWallClockBySeconds(15); // past the 90 s limit (the heartbeat expiry)
            assertEquals(List.of("null/" + FRONTEND_IP + "=3"), two.firstWindowCallers());
        }
    }

    @Test
    void aWindowWhoseCallersAreKnownStillWaitsForTheOthersProgress() {
        // The IP may have passed to a new pod that task 1 has not announced yet (IpReuseTopologyTest): a known owner
        // is final only once task 1 has read past the window too.
        try (TwoTasks two = new TwoTasks()) {
            two.task1Watermark(Long.MAX_VALUE - 1);
            two.task1Announces(FRONTEND_IP, SHOP, "frontend", FRONTEND_POD, at(0));
            two.cartCalledByFrontend(); // task 1 sent no progress at all
            two.t.advanceWallClockBySeconds(5);
            assertTrue(two.firstWindowCallers().isEmpty(), "held while task 1 has not read as far");
            two.task1Progress(at(40));
            two.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("shop/frontend=3"), two.firstWindowCallers());
        }
    }

    @Test
    void aWindowThatNamesNoIpDoesNotWait() {
        try (TwoTasks two = new TwoTasks()) {
            two.task1Watermark(Long.MAX_VALUE - 1);
            // cart's own calls that found no endpoint: the client is the pod, the server the service, no IP to resolve
            for (int i : new int[] {1, 2, 45}) {
                two.t.line(SHOP, CART_POD, IstioLine.outbound(CART_IP, "payments.shop.svc.cluster.local", "10.244.5.5")
                        .noUpstreamHost().code(503).flags("UH").details("no_healthy_upstream").at(at(i)));
            }
            two.t.advanceWallClockBySeconds(1); // task 1 sent no progress at all
            List<String> got = two.t.stats().stream()
                    .filter(s -> s.windowStart().equals("2026-11-20T10:00:00.000Z"))
                    .map(s -> s.reporter() + " " + s.source().workload() + "->" + s.destination().service() + "=" + s.requests())
                    .collect(Collectors.toList());
            assertEquals(List.of("source cart->payments.shop.svc.cluster.local=2"), got);
        }
    }

    @Test
    void eachTaskPutsItsProgressInTheIpTopicOnlyWhenThereAreOthers() {
        for (int partitions : new int[] {1, 2}) {
            try (TopologyTestSupport t = new TopologyTestSupport(Settings.defaults(partitions))) {
                var out = t.driver.createOutputTopic(t.topics.ipOwners(), Serdes.String().deserializer(),
                        MeshpulseTopology.IP_OWNER_SERDE.deserializer());
                t.line(SHOP, CART_POD, IstioLine.inbound(FRONTEND_IP, CART_IP, CART).at(at(1)));
                t.line(SHOP, CART_POD, IstioLine.inbound(FRONTEND_IP, CART_IP, CART).at(at(45)));
                List<String> progress = out.readKeyValuesToList().stream()
                        .filter(kv -> kv.key.startsWith(IpOwnersUpdater.PROGRESS_PREFIX))
                        .map(kv -> kv.key + "@" + Instant.ofEpochMilli(kv.value.seenAt()))
                        .collect(Collectors.toList());
                // each time the end of its newest closable window moves: the first line's time less the grace, rounded
                // down to a window, then 45 s less the grace
                assertEquals(partitions == 1 ? List.of() : List.of("progress/0@2026-11-20T09:59:30Z", "progress/0@2026-11-20T10:00:10Z"), progress,
                        partitions + " partition(s)");
            }
        }
    }

    /**
     * With several parsing tasks the end of input waits for the close delay, since the others' last announcements
     * may still be on their way to the IP table; unless the sender saw the table settled (a replay checks it).
     */
    @Test
    void endOfInputWaitsTheCloseDelayUnlessTheSenderSawTheIpTableSettled() {
        Settings delayed = Settings.defaults(2).withCloseDelay(java.time.Duration.ofSeconds(3));
        for (boolean settled : new boolean[] {false, true}) {
            try (TwoTasks two = new TwoTasks(delayed)) {
                two.task1Watermark(Long.MAX_VALUE - 1);
                two.task1Progress(at(3600));
                two.t.line(SHOP, CART_POD, IstioLine.inbound(FRONTEND_IP, CART_IP, CART).at(at(1)));
                two.t.endOfInput(settled);
                if (!settled) {
                    assertTrue(two.firstWindowCallers().isEmpty(), "other tasks' announcements may be on their way");
                    two.t.advanceWallClockBySeconds(3);
                }
                assertEquals(List.of("null/" + FRONTEND_IP + "=1"), two.firstWindowCallers(), "settled " + settled);
            }
        }
    }
}
