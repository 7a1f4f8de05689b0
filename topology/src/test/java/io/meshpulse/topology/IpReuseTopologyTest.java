package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.IpOwner;
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
 * A pod IP passed from a deleted pod to a new one (Kubernetes reuses them), seen by a server whose inbound lines name
 * the caller by IP only. The pod {@code old-…} held 10.0.0.5 until it was deleted; {@code new-…} got it 20 s into the
 * test. The server's windows must count each call under the workload that held the IP then, whichever task announces
 * which owner, and however late.
 *
 * <p>With several raw partitions the driver runs task 0 (the server's pod); the old pod is read by task 1 and the new
 * one by task 2, whose announcements and progress are piped into the IP topic by hand, in the order a lagging task
 * would send them. Tasks 1 and 2 have closed everything as far as the pair-keyed stage is concerned, so what comes
 * out is exactly what task 0 closes.
 */
class IpReuseTopologyTest {
    static final String NS = "shop";
    static final String IP = "10.0.0.5";
    static final String OLD_POD = "old-7d4f8b9c6-x2k4q";
    static final String NEW_POD = "new-5c8d7f6b9-q9wz7";
    static final String SERVER_POD = "server-6b9f7c8d5-m3n8p";
    static final String SERVER_IP = "10.0.1.9";
    static final String SERVER = "server.shop.svc.cluster.local";
    /** The new pod's first line (and so the first sighting any task can announce): 20 s in. */
    static final Instant NEW_FROM = at(20);

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    /** Task 0 of {@code partitions}, with the other tasks' records piped in by hand. */
    private static final class Tasks implements AutoCloseable {
        final TopologyTestSupport t;
        final TestInputTopic<String, IpOwner> ipTopic;

        Tasks(int partitions) {
            t = new TopologyTestSupport(Settings.defaults(partitions));
            ipTopic = t.driver.createInputTopic(t.topics.ipOwners(), Serdes.String().serializer(),
                    MeshpulseTopology.IP_OWNER_SERDE.serializer());
            TestInputTopic<String, PartialMsg> repartition = t.driver.createInputTopic(
                    "meshpulse-test-" + Names.REPARTITION + "-repartition", Serdes.String().serializer(),
                    new PartialMsgSerde().serializer());
            for (int task = 1; task < partitions; task++) {
                repartition.pipeInput("watermark/" + task, new PartialMsg.Watermark(task, Long.MAX_VALUE - 1));
            }
        }

        void announces(String workload, String pod, Instant firstSeen) {
            ipTopic.pipeInput(IP, new IpOwner(NS, workload, pod, firstSeen.toEpochMilli()));
        }

        void progress(int task, Instant upTo) {
            ipTopic.pipeInput(IpOwnersUpdater.PROGRESS_PREFIX + task, new IpOwner(null, null, null, upTo.toEpochMilli()));
        }

        /** The server logs a call from 10.0.0.5 starting at {@code second}. */
        void serverCalledAt(long second) {
            t.line(NS, SERVER_POD, IstioLine.inbound(IP, SERVER_IP, SERVER).at(at(second)));
        }

        /** The server's windows so far, as "window start second: caller workload=requests", in order. */
        List<String> serverWindows() {
            return t.stats().stream().filter(s -> s.reporter().equals("destination"))
                    .map(s -> (Instant.parse(s.windowStart()).getEpochSecond() - T0.getEpochSecond()) + "s: "
                            + s.source().workload() + "=" + s.requests())
                    .collect(Collectors.toList());
        }

        @Override
        public void close() {
            t.close();
        }
    }

    @Test
    void callsAfterTheIpChangedPodsGoToTheNewOwnerEvenWhenItsTaskAnnouncesItLate() {
        try (Tasks three = new Tasks(3)) {
            three.announces("old", OLD_POD, at(-3600)); // task 1 read the old pod long ago, and is up to date
            three.progress(1, at(3600));
            three.progress(2, at(-60)); // task 2, which reads the new pod, is a minute behind

            for (long s = 21; s <= 23; s++) three.serverCalledAt(s); // the new pod calls the server
            three.serverCalledAt(65); // window [20, 30) is past its grace in task 0
            three.t.advanceWallClockBySeconds(5);
            List<String> early = three.serverWindows();
            assertTrue(early.isEmpty(), "task 2 has not read as far as the window: nothing is final yet, " + early);

            // task 2 catches up: it reads the new pod's first line, announces it, then says how far it has read
            three.announces("new", NEW_POD, NEW_FROM);
            three.progress(2, at(3600));
            three.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("20s: new=3"), three.serverWindows());
        }
    }

    @Test
    void callsBeforeTheIpChangedPodsGoToTheOldOwnerEvenWhenItsTaskAnnouncesItLate() {
        try (Tasks three = new Tasks(3)) {
            three.announces("new", NEW_POD, NEW_FROM); // task 2 read the new pod, and is up to date
            three.progress(2, at(3600));
            three.progress(1, at(-60)); // task 1, which reads the old pod, is a minute behind

            for (long s = 1; s <= 3; s++) three.serverCalledAt(s); // the old pod calls the server
            for (long s = 21; s <= 22; s++) three.serverCalledAt(s); // then the new one
            three.serverCalledAt(65);
            three.t.advanceWallClockBySeconds(5);
            List<String> early = three.serverWindows();
            assertTrue(early.isEmpty(), "task 1 has not read as far as the windows: nothing is final yet, " + early);

            three.announces("old", OLD_POD, at(-3600));
            three.progress(1, at(3600));
            three.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("0s: old=3", "20s: new=2"), three.serverWindows());
        }
    }

    @Test
    void aServerTaskBehindBothOwnersResolvesEachWindowThroughTheIpsHistory() {
        try (Tasks three = new Tasks(3)) {
            three.announces("old", OLD_POD, at(-3600));
            three.announces("new", NEW_POD, NEW_FROM);
            three.progress(1, at(3600));
            three.progress(2, at(3600));

            for (long s = 1; s <= 3; s++) three.serverCalledAt(s);
            for (long s = 21; s <= 22; s++) three.serverCalledAt(s);
            three.serverCalledAt(65);
            three.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("0s: old=3", "20s: new=2"), three.serverWindows());
        }
    }

    @Test
    void withOnePartitionEachWindowGetsTheOwnerOfItsTimeWithoutWaiting() {
        try (Tasks one = new Tasks(1)) {
            // every pod's lines come to the one task: the owners announce themselves through their outbound lines
            one.t.line(NS, OLD_POD, IstioLine.outbound(IP, SERVER, SERVER_IP).at(at(-3600)));
            for (long s = 1; s <= 3; s++) one.serverCalledAt(s);
            one.t.line(NS, NEW_POD, IstioLine.outbound(IP, SERVER, SERVER_IP).at(NEW_FROM));
            for (long s = 21; s <= 22; s++) one.serverCalledAt(s);
            one.serverCalledAt(65);
            assertEquals(List.of("0s: old=3", "20s: new=2"), one.serverWindows(), "closed at once: nobody to wait for");
        }
    }

    @Test
    void aWindowInWhichTheIpChangedPodsGoesWholeToTheOwnerAtItsEnd() {
        // Calls are counted per window and caller IP, and resolved once per window: a window cannot be split at the
        // moment the IP changed pods, so the calls the old pod made in it are counted under the new one.
        try (Tasks three = new Tasks(3)) {
            three.announces("old", OLD_POD, at(-3600));
            three.announces("new", NEW_POD, at(25));
            three.progress(1, at(3600));
            three.progress(2, at(3600));
            three.serverCalledAt(21); // the old pod, still alive
            three.serverCalledAt(27); // the new pod
            three.serverCalledAt(65);
            three.t.advanceWallClockBySeconds(1);
            assertEquals(List.of("20s: new=2"), three.serverWindows());
        }
    }
}
