package io.meshpulse.alerts.stream;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.model.Alert;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.stream.DeferredWritesStore;
import io.meshpulse.topology.stream.Emitted;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** Wires the alerts stage's processors and stores (see {@link AlertsTopology}). */
public final class AlertsStage {
    private AlertsStage() {}

    public static KStream<String, Alert> addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                               Topics topics, AlertSettings settings, Catalog catalog,
                                               String exemplarsStore) {
        return addTo(builder, stats, null, topics, settings, catalog, exemplarsStore);
    }

    /** @param early the spine's early looks at windows not closed yet, or null */
    public static KStream<String, Alert> addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                               KStream<String, Emitted.Look> early, Topics topics,
                                               AlertSettings settings, Catalog catalog, String exemplarsStore) {
        return addTo(builder, stats, early, null, topics, settings, catalog, exemplarsStore);
    }

    /**
     * @param early the spine's early looks at windows not closed yet, or null
     * @param ends  the spine's end of input, when its windows come from one task ({@code Spine#ends}), or null. With
     *              it the stage runs in that task, fed directly: there is one task, so nothing to gather by
     *              destination namespace, and the end reaches the stage right after the last windows, which it then
     *              decides at once. Without it the stage reads a repartition topic by destination namespace (any
     *              number of tasks), and a replay writes the end of input there itself.
     */
    public static KStream<String, Alert> addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                               KStream<String, Emitted.Look> early, KStream<String, Emitted.End> ends,
                                               Topics topics, AlertSettings settings, Catalog catalog,
                                               String exemplarsStore) {
        Serde<String> keys = Serdes.String();
        // Held decoded in memory by the processor and written when the task commits (HeldStore): no record cache.
        builder.addStateStore(heldStore(AlertNames.PENDING_STORE));
        builder.addStateStore(heldStore(AlertNames.PAIR_STATE_STORE));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AlertNames.BURN_STORE),
                keys, AlertsTopology.BURN_SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AlertNames.CURRENT_STORE),
                keys, AlertsTopology.ALERT_SERDE));

        KStream<String, Observation> observed = exemplarsStore == null
                ? stats.process(() -> new ExemplarEnricher(null), Named.as(AlertNames.EXEMPLARS))
                : stats.process(() -> new ExemplarEnricher(exemplarsStore), Named.as(AlertNames.EXEMPLARS), exemplarsStore);
        if (early != null) {
            observed = observed.merge(early.mapValues((k, v) -> v instanceof Emitted.Early e
                    ? new Observation(k, e.stats(), e.exemplars(), true)
                    : Observation.of((Emitted.Looked) v), Named.as(AlertNames.EARLY)), Named.as(AlertNames.WITH_EARLY));
        }
        KStream<String, Observation> input;
        if (ends != null) {
            // the end keeps its control header; the processor reads the header before the value
            input = observed.merge(ends.mapValues(v -> (Observation) null, Named.as(AlertNames.END)),
                    Named.as(AlertNames.WITH_END));
        } else {
            input = observed
                    .selectKey((k, v) -> destinationNamespace(v), Named.as(AlertNames.BY_NAMESPACE_KEY))
                    .repartition(Repartitioned.<String, Observation>as(AlertNames.REPARTITION)
                            .withKeySerde(keys).withValueSerde(AlertsTopology.OBSERVATION_SERDE)
                            .withStreamPartitioner(AlertsStage::partitions));
        }
        KStream<String, Alert> alerts = input
                .process(() -> new AlertsProcessor(settings, catalog), Named.as(AlertNames.DETECT),
                        AlertNames.PENDING_STORE, AlertNames.PAIR_STATE_STORE, AlertNames.BURN_STORE,
                        AlertNames.CURRENT_STORE);
        alerts.to(topics.alerts(), Produced.with(keys, AlertsTopology.ALERT_SERDE).withName(AlertNames.SINK));
        return alerts;
    }

    private static StoreBuilder<KeyValueStore<Bytes, byte[]>> heldStore(String name) {
        return DeferredWritesStore.builder(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled());
    }

    /** Observations go by destination namespace (the default key hash); look marks go to every partition. */
    static Optional<Set<Integer>> partitions(String topic, String key, Observation o, int numPartitions) {
        if (o.looked() == null) return Optional.empty();
        return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
    }

    /** Keys of look marks: a namespace holds no '|'. */
    private static final String MARK_PREFIX = "|looked|";

    /** A look mark's key, which holds what it says (its value is empty, see {@link ObservationSerde#encode}). */
    static String markKey(Emitted.Looked l) {
        return MARK_PREFIX + l.point() + "|" + l.partition() + "|" + l.partitions();
    }

    /** The look mark a key holds, or null when it is a namespace. */
    static Emitted.Looked lookMark(String key) {
        if (key == null || !key.startsWith(MARK_PREFIX)) return null;
        String[] f = key.substring(MARK_PREFIX.length()).split("\\|");
        try {
            return f.length == 3 ? new Emitted.Looked(Long.parseLong(f[0]), Integer.parseInt(f[1]),
                    Integer.parseInt(f[2])) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String destinationNamespace(Observation o) {
        if (o.looked() != null) return markKey(o.looked());
        String ns = o.stats().destination() == null ? null : o.stats().destination().namespace();
        return ns == null ? "-" : ns;
    }
}
