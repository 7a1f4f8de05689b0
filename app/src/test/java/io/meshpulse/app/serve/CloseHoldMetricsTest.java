package io.meshpulse.app.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stream.CloseHolds;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeat hold as Prometheus scrapes it: the real topology (under the test driver, with the board in its
 * configuration as {@code run} puts it) reports to the board, and /metrics' registry shows the hold while it lasts
 * and the tailer that holds it, whose series goes when it is no longer waited for.
 */
class CloseHoldMetricsTest {
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final String NODE_1 = "tail/aks-node-1";
    private static final String NODE_2 = "tail/aks-node-2";

    @Test
    void aHoldAndTheTailerHoldingItAreScrapedWhileItLastsAndTheTailerGoesAtExpiry(@TempDir Path tmp) throws Exception {
        Topics topics = Topics.defaults();
        CloseHolds holds = new CloseHolds();
        Properties p = config(tmp, holds);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CloseHoldMetrics metrics = new CloseHoldMetrics(holds, registry);
        // 10 s windows, 30 s grace, idle after 5 s, heartbeat expiry 90 s
        TopologyTestDriver driver = new TopologyTestDriver(MeshpulseTopology.build(topics, Settings.defaults(1)), p, T0);
        try (driver) {
            TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.rawAccessLog(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            heartbeat(raw, NODE_1, T0);
            heartbeat(raw, NODE_2, T0);
            // A quiet mesh; node 1's tailer says each second it has read everything, node 2's has stopped.
            for (int s = 1; s <= 60; s++) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                heartbeat(raw, NODE_1, T0.plusSeconds(s));
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));

            // The task went idle after 5 s; its clock would have followed the wall clock from there (to 56 s),
            // but node 2 has not read past 0 s.
            Map<String, Double> scraped = scrape(metrics, registry);
            assertEquals(56.0, scraped.get("meshpulse_pipeline_close_held_seconds"), scraped.toString());
            assertEquals(56.0, scraped.get("meshpulse_pipeline_heartbeat_behind_seconds{ingest=\"" + NODE_2 + "\"}"),
                    scraped.toString());
            assertEquals(0.0, scraped.get("meshpulse_pipeline_heartbeat_behind_seconds{ingest=\"" + NODE_1 + "\"}"),
                    scraped.toString());

            // Node 2 is dropped after 90 s of node 1 heard: its series goes, and nothing is held.
            for (int s = 61; s <= 100; s++) {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                heartbeat(raw, NODE_1, T0.plusSeconds(s));
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            scraped = scrape(metrics, registry);
            assertEquals(0.0, scraped.get("meshpulse_pipeline_close_held_seconds"), scraped.toString());
            assertEquals(Map.of("meshpulse_pipeline_heartbeat_behind_seconds{ingest=\"" + NODE_1 + "\"}", 0.0),
                    behind(scraped), "node 2 expired");
        }
        // The task closed (moved away, or the application stopped): no tailer series left, no hold.
        Map<String, Double> scraped = scrape(metrics, registry);
        assertEquals(Map.of(), behind(scraped));
        assertEquals(0.0, scraped.get("meshpulse_pipeline_close_held_seconds"));
    }

    @Test
    void tailerSeriesAreBoundedToTheFurthestBehind(@TempDir Path tmp) throws Exception {
        Topics topics = Topics.defaults();
        CloseHolds holds = new CloseHolds();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CloseHoldMetrics metrics = new CloseHoldMetrics(holds, registry);
        int tailers = CloseHoldMetrics.MAX_INGEST_SERIES + 100;
        try (TopologyTestDriver driver = new TopologyTestDriver(MeshpulseTopology.build(topics, Settings.defaults(1)),
                config(tmp, holds), T0)) {
            TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.rawAccessLog(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            // Made-up heartbeat keys (one tailer per node is the normal case): tailer i has read up to i s before T0.
            for (int i = 0; i < tailers; i++) heartbeat(raw, "tail/node-" + i, T0.minusSeconds(i));
            // idle after 5 s: the task then has a clock to measure them against
            for (int s = 1; s <= 10; s++) driver.advanceWallClockTime(Duration.ofSeconds(1));

            Map<String, Double> series = behind(scrape(metrics, registry));
            assertEquals(CloseHoldMetrics.MAX_INGEST_SERIES, series.size());
            assertTrue(series.containsKey("meshpulse_pipeline_heartbeat_behind_seconds{ingest=\"tail/node-" + (tailers - 1)
                    + "\"}"), "the furthest behind is kept");
            assertTrue(!series.containsKey("meshpulse_pipeline_heartbeat_behind_seconds{ingest=\"tail/node-0\"}"),
                    "the least behind is left out");
        }
    }

    private static Properties config(Path tmp, CloseHolds holds) throws java.io.IOException {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "close-hold-metrics-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(tmp, "state").toString());
        p.put(CloseHolds.CONFIG, holds);
        return p;
    }

    private static void heartbeat(TestInputTopic<String, byte[]> raw, String instance, Instant upTo) {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.HEARTBEAT.getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(new TestRecord<>(instance, upTo.toString().getBytes(StandardCharsets.UTF_8), h, upTo));
    }

    /** The meshpulse_pipeline_ samples of a Prometheus text scrape, refreshed first as /metrics does. */
    private static Map<String, Double> scrape(CloseHoldMetrics metrics, PrometheusMeterRegistry registry) {
        metrics.refresh();
        Map<String, Double> out = new TreeMap<>();
        for (String line : registry.scrape().split("\n")) {
            if (!line.startsWith("meshpulse_pipeline_")) continue;
            int sp = line.lastIndexOf(' ');
            out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return out;
    }

    private static Map<String, Double> behind(Map<String, Double> scraped) {
        Map<String, Double> out = new TreeMap<>(scraped);
        out.keySet().removeIf(k -> !k.startsWith("meshpulse_pipeline_heartbeat_behind_seconds"));
        return out;
    }
}
