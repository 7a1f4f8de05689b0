package io.meshpulse.app.alerts;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.model.Alert;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.stream.JsonSerde;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The alerts sub-topology under TopologyTestDriver, fed with closed pair windows as the spine emits them, and with a
 * {@code pair-exemplars} window store filled the way the spine's windows stage will fill it.
 */
final class AlertStageDriver implements AutoCloseable {
    static final JsonSerde<PairExemplars> EXEMPLARS = new JsonSerde<>(PairExemplars.class);
    static final String EXEMPLAR_INPUT = "test.exemplars";

    final Topics topics = Topics.defaults();
    final TopologyTestDriver driver;
    private final TestInputTopic<String, PairWindowStats> stats;
    private final TestInputTopic<String, PairExemplars> exemplars;
    private final TestOutputTopic<String, Alert> alerts;
    private final Path state;

    AlertStageDriver(AlertSettings settings) throws IOException {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(Names.PAIR_EXEMPLARS_STORE,
                Duration.ofHours(1), Duration.ofSeconds(10), false), Serdes.String(), EXEMPLARS));
        b.stream(EXEMPLAR_INPUT, Consumed.with(Serdes.String(), EXEMPLARS).withName("test-exemplars-source"))
                .process(ExemplarWriter::new, Named.as("test-exemplars-writer"), Names.PAIR_EXEMPLARS_STORE);
        KStream<String, PairWindowStats> in = b.stream(topics.pairStats(),
                Consumed.with(Serdes.String(), MeshpulseTopology.PAIR_STATS_SERDE).withName("test-stats-source"));
        AlertsTopology.addTo(b, in, topics, settings, Names.PAIR_EXEMPLARS_STORE);
        state = Files.createTempDirectory("meshpulse-alert-stage-");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "meshpulse-alert-stage-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        driver = new TopologyTestDriver(b.build(p), p, Instant.parse("2026-11-20T10:00:00Z"));
        stats = driver.createInputTopic(topics.pairStats(), Serdes.String().serializer(),
                MeshpulseTopology.PAIR_STATS_SERDE.serializer());
        exemplars = driver.createInputTopic(EXEMPLAR_INPUT, Serdes.String().serializer(), EXEMPLARS.serializer());
        alerts = driver.createOutputTopic(topics.alerts(), Serdes.String().deserializer(),
                AlertsTopology.ALERT_SERDE.deserializer());
    }

    /** Pipes the windows in order (each window's exemplars before its stats), then lets the settle delay pass. */
    List<Alert> run(List<StatsFromLogs.Window> windows, boolean withExemplars) {
        for (StatsFromLogs.Window w : windows) {
            Instant end = Instant.ofEpochMilli(Rfc3339.parseMillis(w.stats().windowEnd(), 0, w.stats().windowEnd().length()));
            if (withExemplars && !w.exemplars().isEmpty()) {
                exemplars.pipeInput(w.pairKey(), new PairExemplars(w.exemplars()), end);
            }
            stats.pipeInput(w.pairKey(), w.stats(), end);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        return alerts.readValuesToList();
    }

    @Override
    public void close() {
        driver.close();
        io.meshpulse.app.replay.Replay.deleteRecursively(state);
    }

    /** Puts exemplars where the spine's windows stage will: keyed by pair, at the window's start. */
    static final class ExemplarWriter implements Processor<String, PairExemplars, Void, Void> {
        private WindowStore<String, PairExemplars> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(Names.PAIR_EXEMPLARS_STORE);
        }

        @Override
        public void process(Record<String, PairExemplars> r) {
            store.put(r.key(), r.value(), r.timestamp() - 10_000);
        }
    }
}
