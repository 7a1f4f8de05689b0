package io.meshpulse.app.alerts;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.io.IOException;
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
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The whole application topology (spine + alerts) under TopologyTestDriver, fed with the kubelet log files a
 * simulation wrote, in write order, with event time from the lines. Wall-clock time only moves when the test says.
 */
final class AlertPipeline implements AutoCloseable {
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    final Topics topics = Topics.defaults();
    final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> raw;
    private final TestOutputTopic<String, Alert> alerts;
    private final TestOutputTopic<String, io.meshpulse.model.PairWindowStats> stats;
    private final Path state;
    long lines;

    AlertPipeline(AlertSettings alertSettings) throws IOException {
        this(alertSettings, Settings.defaults(1));
    }

    /** The topology as {@code run} has it by default: early looks 2 s past each half window. */
    static Settings live() {
        return Settings.defaults(1).withEarly(Duration.ofSeconds(2)).withEarlyEvery(Duration.ofSeconds(5));
    }

    AlertPipeline(AlertSettings alertSettings, Settings settings) throws IOException {
        StreamsBuilder b = new StreamsBuilder();
        AlertsTopology.addTo(b, MeshpulseTopology.add(b, topics, settings), topics, alertSettings);
        state = Files.createTempDirectory("meshpulse-alerts-ttd-");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "meshpulse-alerts-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver = new TopologyTestDriver(b.build(p), p, Instant.parse("2026-11-20T10:00:00Z"));
        raw = driver.createInputTopic(topics.rawAccessLog(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        alerts = driver.createOutputTopic(topics.alerts(), Serdes.String().deserializer(),
                AlertsTopology.ALERT_SERDE.deserializer());
        stats = driver.createOutputTopic(topics.pairStats(), Serdes.String().deserializer(),
                MeshpulseTopology.PAIR_STATS_SERDE.deserializer());
    }

    List<org.apache.kafka.streams.test.TestRecord<String, io.meshpulse.model.PairWindowStats>> stats() {
        return stats.readRecordsToList();
    }

    /** Pipes every istio-proxy line under {@code logs}, closes every window, and lets the settle delay pass. */
    List<Alert> replay(Path logs) throws IOException {
        return replay(logs, null, null);
    }

    /**
     * Same, pausing once before the first line that starts at or after {@code pauseAt}: the wall clock moves
     * {@code pause}, and {@code atPause} is handed the alerts and closed windows that came out up to then.
     */
    List<Alert> replay(Path logs, Instant pauseAt, java.util.function.BiConsumer<List<Alert>,
            List<io.meshpulse.model.PairWindowStats>> atPause) throws IOException {
        List<Alert> out = new ArrayList<>();
        boolean paused = pauseAt == null;
        List<String> skipped = new ArrayList<>();
        var files = LogFileSet.discover(List.of(logs), Set.of("istio-proxy"), skipped);
        long last = 0;
        try (MergedLogReader reader = new MergedLogReader(files, null)) {
            for (RawLogLine l = reader.next(); l != null; l = reader.next()) {
                long ts = l.ts() == null ? last : Instant.parse(l.ts()).toEpochMilli();
                last = Math.max(last, ts);
                if (!paused && ts >= pauseAt.toEpochMilli()) {
                    paused = true;
                    driver.advanceWallClockTime(Duration.ofSeconds(4));
                    out.addAll(alerts.readValuesToList());
                    atPause.accept(List.copyOf(out), stats.readValuesToList());
                }
                raw.pipeInput(new TestRecord<>(l.key(), RAW.encode(l), Instant.ofEpochMilli(ts)));
                lines++;
            }
        }
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(new TestRecord<>("control", new byte[0], h, Instant.ofEpochMilli(last)));
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        out.addAll(alerts.readValuesToList());
        return out;
    }

    /** An alert and the wall-clock time (ms) it came out of the topology. */
    record Timed(long wallMs, Alert alert) {}

    /**
     * Pipes the lines as a live mesh would deliver them: the wall clock follows the lines' write times, moving in
     * steps of {@code stepMs} (punctuators run at each step), and each alert is stamped with the wall-clock time
     * of the step it came out in. Ingest and commit delays are not in it: what is measured is the topology's own.
     */
    List<Timed> replayLive(Path logs, Instant wallStart, long stepMs) throws IOException {
        List<Timed> out = new ArrayList<>();
        long wall = wallStart.toEpochMilli();
        List<String> skipped = new ArrayList<>();
        var files = LogFileSet.discover(List.of(logs), Set.of("istio-proxy"), skipped);
        try (MergedLogReader reader = new MergedLogReader(files, null)) {
            for (RawLogLine l = reader.next(); l != null; l = reader.next()) {
                long ts = Instant.parse(l.ts()).toEpochMilli();
                while (ts >= wall + stepMs) {
                    driver.advanceWallClockTime(Duration.ofMillis(stepMs));
                    wall += stepMs;
                    for (Alert a : alerts.readValuesToList()) out.add(new Timed(wall, a));
                }
                raw.pipeInput(new TestRecord<>(l.key(), RAW.encode(l), Instant.ofEpochMilli(ts)));
                lines++;
            }
        }
        for (int i = 0; i < 100; i++) { // the mesh goes quiet: ten more seconds of wall clock
            driver.advanceWallClockTime(Duration.ofMillis(stepMs));
            wall += stepMs;
            for (Alert a : alerts.readValuesToList()) out.add(new Timed(wall, a));
        }
        return out;
    }

    @Override
    public void close() {
        driver.close();
        io.meshpulse.app.replay.Replay.deleteRecursively(state);
    }
}
