package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stream.Emitted;
import io.meshpulse.topology.stream.RestartSafeWindowStore;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The metrics path: {@code meshpulse.metrics.samples} → per-reporter windows → pair stats with origin
 * {@code metrics}, for reporters whose access logs did not cover the window.
 *
 * <pre>
 * metrics.samples ─▶ metrics-decode ─▶ by reporter ─┐
 * access-log stats ─▶ access-coverage ─▶ by reporter ─┴▶ metrics-windows ─▶ by pair ─▶ metrics-pair-stats
 *                                                          (pair-stats store, in the pair-windows task) ─▶ pair.stats
 * </pre>
 *
 * All three repartition topics get the raw topic's partition count, so the by-pair one is partitioned exactly like
 * the access-log partials and its writer shares the pair-windows task and its {@code pair-stats} store.
 */
public final class MetricsStage {
    private static final Serde<String> KEYS = Serdes.String();

    private MetricsStage() {}

    /** Adds the path to {@code builder}; returns the metrics-derived stats, keyed by pair. */
    public static KStream<String, PairWindowStats> addTo(StreamsBuilder builder, Topics topics, Settings settings,
                                                         KStream<String, PairWindowStats> accessLogStats) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.METRICS_OPEN_STORE), Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(Stores.windowStoreBuilder(
                RestartSafeWindowStore.persistent(Names.METRICS_COVERAGE_STORE, settings.statsRetention(),
                        settings.window()), KEYS, Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.METRICS_META_STORE), KEYS, Serdes.Long()));
        int partitions = settings.rawPartitions();
        MetricsInputSerde inputs = new MetricsInputSerde();

        Map<String, KStream<String, MetricsInput>> decoded = builder
                .stream(topics.metricsSamples(), Consumed.with(KEYS, Serdes.ByteArray()).withName(Names.METRICS_SOURCE))
                .process(MetricsDecoder::new, Named.as(Names.METRICS_DECODE))
                .split(Named.as(Names.ROUTE_METRICS))
                .branch((k, v) -> v instanceof MetricsInput.Rejected, Branched.as("-dead"))
                .defaultBranch(Branched.as("-samples"));
        decoded.get(Names.ROUTE_METRICS + "-dead")
                .mapValues(v -> ((MetricsInput.Rejected) v).letter(), Named.as("metrics-decode-dead-letter-value"))
                .to(topics.deadLetters(), Produced.with(KEYS, MeshpulseTopology.DEAD_LETTER_SERDE)
                        .withName("metrics-decode-dlq-sink"));

        KStream<String, MetricsInput> samples = decoded.get(Names.ROUTE_METRICS + "-samples")
                .repartition(Repartitioned.<String, MetricsInput>as(Names.METRICS_BY_REPORTER)
                        .withKeySerde(KEYS).withValueSerde(inputs).withNumberOfPartitions(partitions)
                        .withStreamPartitioner(new ReporterPartitioner()));
        KStream<String, MetricsInput> coverage = accessLogStats
                .process(CoverageNotes::new, Named.as(Names.ACCESS_COVERAGE))
                .repartition(Repartitioned.<String, MetricsInput>as(Names.COVERAGE_BY_REPORTER)
                        .withKeySerde(KEYS).withValueSerde(inputs).withNumberOfPartitions(partitions));

        Map<String, KStream<String, Emitted>> windows = samples.merge(coverage, Named.as(Names.METRICS_INPUTS))
                .process(() -> new MetricsWindowsProcessor(settings), Named.as(Names.METRICS_WINDOWS),
                        Names.METRICS_OPEN_STORE, Names.METRICS_COVERAGE_STORE, Names.METRICS_META_STORE)
                .split(Named.as(Names.ROUTE_METRICS_WINDOWS))
                .branch((k, v) -> v instanceof Emitted.Dead, Branched.as("-dead"))
                .defaultBranch(Branched.as("-stats"));
        windows.get(Names.ROUTE_METRICS_WINDOWS + "-dead")
                .mapValues(v -> ((Emitted.Dead) v).letter(), Named.as("metrics-windows-dead-letter-value"))
                .to(topics.deadLetters(), Produced.with(KEYS, MeshpulseTopology.DEAD_LETTER_SERDE)
                        .withName("metrics-windows-dlq-sink"));

        KStream<String, PairWindowStats> stats = windows.get(Names.ROUTE_METRICS_WINDOWS + "-stats")
                .mapValues(v -> ((Emitted.Stats) v).stats(), Named.as("metrics-stats-value"))
                .repartition(Repartitioned.<String, PairWindowStats>as(Names.METRICS_STATS_BY_PAIR)
                        .withKeySerde(KEYS).withValueSerde(MeshpulseTopology.PAIR_STATS_SERDE)
                        .withNumberOfPartitions(partitions))
                .process(() -> new MetricsStatsWriter(settings.statsQueries()), Named.as(Names.METRICS_PAIR_STATS), Names.PAIR_STATS_STORE);
        stats.to(topics.pairStats(), Produced.with(KEYS, MeshpulseTopology.PAIR_STATS_SERDE)
                .withName("metrics-pair-stats-sink"));
        return stats;
    }

}
