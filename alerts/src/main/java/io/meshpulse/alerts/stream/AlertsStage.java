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
        KStream<String, Alert> alerts = observed
                .selectKey((k, v) -> destinationNamespace(v), Named.as(AlertNames.BY_NAMESPACE_KEY))
                .repartition(Repartitioned.<String, Observation>as(AlertNames.REPARTITION)
                        .withKeySerde(keys).withValueSerde(AlertsTopology.OBSERVATION_SERDE)
                        .withStreamPartitioner(AlertsStage::partitions))
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
