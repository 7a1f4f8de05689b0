package io.meshpulse.app.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.RestoredRecords;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counting stays exact across a restart of the topology: the first instance counts half the lines and stops, and a
 * second instance counts the rest, either on a fresh state folder (it rebuilds the parsing tasks' open windows from
 * their changelogs) or on the first one's folder (it restores nothing). Every pair's requests and classes, summed over windows, must
 * equal the generator's truth, so a window the changelog missed (or counted twice) fails the test.
 */
class TopologyRestartIT {

    @Test
    void aSecondInstanceRestoredFromTheChangelogsCarriesOnWithoutLosingOrRepeatingALine(@TempDir Path dir)
            throws Exception {
        Map<String, Long> restored = countAcrossARestart(dir, "state-2");
        // the listener sees restores: the check of the next test cannot pass for want of one
        assertTrue(restored.getOrDefault(Names.PARTIALS_STORE, 0L) > 0, "restored: " + restored);
    }

    /**
     * A clean stop and a start on the same state folder restore nothing: every store's offset is where its
     * changelog ends. Stores that hold nothing (no exemplar, no Prometheus coverage) used to make Kafka Streams call
     * their whole task corrupted, wipe it and restore every store of it (see {@code RestartSafeWindowStore}).
     */
    @Test
    void aCleanRestartOnTheSameStateFolderRestoresNothingAndStillCountsEveryLineOnce(@TempDir Path dir)
            throws Exception {
        assertEquals(Map.of(), countAcrossARestart(dir, "state-1"));
    }

    /**
     * Sends half the lines to a first instance (state folder {@code state-1}), stops it, sends the rest to a second
     * one on {@code secondState}, and checks the counts against the generator's truth; returns the records the second
     * instance restored, by store.
     */
    private static Map<String, Long> countAcrossARestart(Path dir, String secondState) throws Exception {
        RestoredRecords restored = new RestoredRecords();
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(),
                SimConfig.defaults(11, start, Duration.ofMinutes(2)), dir.resolve("logs"));
        List<RawLogLine> lines = SimCounts.lines(dir.resolve("logs"));
        assertEquals(sim.truth().lines(), lines.size());

        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix("restart.");
            String app = "meshpulse-restart-it";
            int partitions;
            try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
                admin.ensure(topics, 4, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
                partitions = admin.partitions(topics.rawAccessLog());
            }
            Settings settings = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(30), partitions,
                    Duration.ofDays(1), Duration.ofSeconds(1), Duration.ofDays(3650)).withCloseDelay(Settings.DEFAULT_CLOSE_DELAY);
            Topology topology = MeshpulseTopology.build(topics, settings);
            int half = lines.size() / 2;
            long lastTime = 0;
            try (OutputCollector out = new OutputCollector(bootstrap, topics.pairStats(), topics.deadLetters(), null,
                    topics.ipOwners(), null, Map.of());
                 RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
                out.start();
                try (StreamsRunner first = new StreamsRunner(topology, config(app, bootstrap, dir.resolve("state-1")))) {
                    first.start(Duration.ofSeconds(60));
                    lastTime = SimCounts.send(producer, lines.subList(0, half), lastTime);
                    // everything sent so far processed and committed before the first instance goes
                    IpTableSettle.await(bootstrap, Map.of(), app, topics.rawAccessLog(), topics.ipOwners(), out, first.streams(),
                            first::checkFailed, Duration.ofMinutes(2));
                    // and some windows closed, so that every task has state to keep (or to restore)
                    await("some windows closed").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                            .until(() -> {
                                first.checkFailed();
                                return out.windows() > 0;
                            });
                }
                assertTrue(out.accountedLines() < half, "windows were still open when the first instance stopped");
                // a fresh state folder: the second instance has nothing local and restores from the changelogs
                try (StreamsRunner second = new StreamsRunner(MeshpulseTopology.build(topics, settings),
                        config(app, bootstrap, dir.resolve(secondState)))) {
                    second.streams().setGlobalStateRestoreListener(restored);
                    second.start(Duration.ofSeconds(60));
                    lastTime = SimCounts.send(producer, lines.subList(half, lines.size()), lastTime);
                    IpTableSettle.await(bootstrap, Map.of(), app, topics.rawAccessLog(), topics.ipOwners(), out, second.streams(),
                            second::checkFailed, Duration.ofMinutes(2));
                    producer.endOfInput(lastTime);
                    await("every line accounted for").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                            .until(() -> {
                                second.checkFailed();
                                return out.accountedLines() >= lines.size();
                            });
                }
                assertEquals(lines.size(), out.accountedLines(), "every line counted or dead-lettered, once");
                assertEquals(sim.truth().otherLines(), out.deadLetters());
                assertEquals(SimCounts.expected(sim), SimCounts.actual(out.sortedStats()));
            }
        }
        return restored.byStore();
    }

    private static Properties config(String app, String bootstrap, Path state) {
        return StreamsRunner.config(app, bootstrap, state, 1, (short) 1, 64L * 1024 * 1024);
    }

}
