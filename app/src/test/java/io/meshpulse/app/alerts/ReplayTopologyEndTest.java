package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.app.replay.Replay;
import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.Scenario;
import io.meshpulse.topology.MeshpulseTopology.Wiring;
import io.meshpulse.topology.Names;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay's own topology ({@link Replay#topology}) under TopologyTestDriver, ended as a replay ends it: the raw topic's
 * end-of-input marker, sent once the IP table holds every announced IP. The wall clock never moves, so nothing may
 * wait for a wall-clock delay (the close delay, the alerts stage's settle delay).
 */
class ReplayTopologyEndTest {
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    /**
     * In one task the alerts stage is fed by the spine directly and hears the end of input right after the last
     * windows: the alert is out in the same step, with no marker of its own and no settle delay. Repartitioned, the
     * stage waits for the marker a replay writes to its input topic ({@code AlertsEnd}), so nothing is out yet.
     */
    @Test
    void inOneTaskTheRawEndOfInputAlsoEndsTheAlertsStage(@TempDir Path dir) throws Exception {
        Scenario.named("uc-client-tls-disable").generate(dir.resolve("logs"), AlertScenarioTest.SEED);
        Ended single = replay(dir, Wiring.SINGLE_TASK);
        Alert uc = AlertPipelineTest.firstFiring(single.alerts, "UC");
        assertNotNull(uc, single.alerts.toString());
        assertEquals("checkout-api", uc.source().workload());
        assertTrue(uc.diagnosis().title().contains("Client sends plaintext to an mTLS-only server"),
                uc.diagnosis().title());

        // The same alert as the application's topology raises once the settle delay has passed.
        List<Alert> settled;
        List<TestRecord<String, PairWindowStats>> settledStats;
        try (AlertPipeline p = new AlertPipeline(AlertSettings.defaults())) {
            settled = p.replay(dir.resolve("logs"));
            settledStats = p.stats();
        }
        Alert expected = AlertPipelineTest.firstFiring(settled, "UC");
        assertEquals(expected.fingerprint(), uc.fingerprint());
        assertEquals(expected.startsAt(), uc.startsAt());
        assertEquals(expected.detectedAt(), uc.detectedAt());
        assertEquals(settled.size(), single.alerts.size(), single.alerts.toString());
        assertEquals(settledStats.stream().map(r -> r.value().toString()).sorted().toList(),
                single.stats.stream().map(PairWindowStats::toString).sorted().toList(), "the same closed windows");

        Ended repartitioned = replay(dir, Wiring.REPARTITIONED);
        assertEquals(single.stats.size(), repartitioned.stats.size(), "every window is out either way");
        assertFalse(repartitioned.alerts.stream().anyMatch(a -> a.failureClass().equals("UC")),
                "repartitioned, the stage still waits for its own end marker: " + repartitioned.alerts);
    }

    private record Ended(List<Alert> alerts, List<PairWindowStats> stats) {}

    /** Every istio-proxy line under dir/logs, then the end of input as a replay sends it; the wall clock stays put. */
    private static Ended replay(Path dir, Wiring wiring) throws Exception {
        Topics topics = Topics.defaults();
        Path state = Files.createTempDirectory(dir, "state-");
        Properties config = Replay.streamsConfig("meshpulse-replay-test", "unused:9092", state, (short) 1, wiring);
        try (TopologyTestDriver driver = new TopologyTestDriver(Replay.topology(topics, Duration.ofSeconds(10),
                Duration.ofSeconds(30), 1, wiring, config, AlertSettings.defaults(), false), config,
                Instant.parse("2026-11-20T10:00:00Z"))) {
            TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.rawAccessLog(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            TestOutputTopic<String, Alert> alerts = driver.createOutputTopic(topics.alerts(),
                    Serdes.String().deserializer(), AlertsTopology.ALERT_SERDE.deserializer());
            var stats = driver.createOutputTopic(topics.pairStats(), Serdes.String().deserializer(),
                    io.meshpulse.topology.MeshpulseTopology.PAIR_STATS_SERDE.deserializer());
            long last = 0;
            var files = LogFileSet.discover(List.of(dir.resolve("logs")), Set.of("istio-proxy"), new ArrayList<>());
            try (MergedLogReader reader = new MergedLogReader(files, null)) {
                for (RawLogLine l = reader.next(); l != null; l = reader.next()) {
                    last = Math.max(last, Replay.timeOf(l, last));
                    raw.pipeInput(new TestRecord<>(l.key(), RAW.encode(l), Instant.ofEpochMilli(last)));
                }
            }
            assertTrue(stats.isEmpty(), "no window closes before its close delay (wall clock) has passed");
            RecordHeaders h = new RecordHeaders();
            h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
            h.add(Names.IP_TABLE_SETTLED_HEADER, new byte[] {1});
            raw.pipeInput(new TestRecord<>("control", new byte[0], h, Instant.ofEpochMilli(last)));
            return new Ended(alerts.readValuesToList(), stats.readValuesToList());
        }
    }
}
