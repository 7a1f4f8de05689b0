package io.meshpulse.topology;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.stats.StatsBinary;
import io.meshpulse.topology.stream.DeferredWritesStore;
import io.meshpulse.topology.stream.Emitted;
import io.meshpulse.topology.stream.IpOwnersUpdater;
import io.meshpulse.topology.stream.JsonSerde;
import io.meshpulse.topology.stream.PartialMsg;
import io.meshpulse.topology.stream.PartialMsgSerde;
import io.meshpulse.topology.stream.PartialsPartitioner;
import io.meshpulse.topology.stream.PartialsProcessor;
import io.meshpulse.topology.stream.RestartSafeWindowStore;
import io.meshpulse.topology.stream.WindowsProcessor;
import io.meshpulse.topology.stream.metrics.MetricsStage;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The meshpulse Kafka Streams topology, a pure function of topic names and settings:
 *
 * <pre>
 * raw ─▶ pair-partials (parse, classify, attribute, count per pair and window, per task)
 *          ├─▶ dead letters
 *          ├─▶ early looks at windows past their end or a point inside, and each task's look marks (live only,
 *          │   see Settings#early) ─▶ alerts
 *          ├─▶ ip-owners (compacted) ─▶ global IP table (read back when windows close)
 *          └─▶ partials + watermarks ─▶ repartition by pair ─▶ pair-windows (sum, emit when all tasks passed)
 *                                                              ├─▶ pair.stats + window store
 *                                                              └─▶ dead letters
 * metrics.samples ─▶ metrics windows (per reporter, skipped where access logs covered it) ─▶ pair.stats + store
 * </pre>
 *
 * With {@link Wiring#SINGLE_TASK} (one raw partition) the partials and watermarks go straight to pair-windows in the
 * parsing task itself: there is no repartition by pair.
 */
public final class MeshpulseTopology {
    public static final Serde<PairWindowStats> PAIR_STATS_SERDE = new JsonSerde<>(PairWindowStats.class);
    public static final Serde<DeadLetter> DEAD_LETTER_SERDE = new JsonSerde<>(DeadLetter.class);
    public static final Serde<IpOwner> IP_OWNER_SERDE = new JsonSerde<>(IpOwner.class);
    /** The pair-stats window store's values: binary, as only meshpulse reads them (the topic stays JSON). */
    public static final Serde<PairWindowStats> PAIR_STATS_STORE_SERDE = StatsBinary.statsSerde();
    public static final Serde<PairExemplars> EXEMPLARS_SERDE = StatsBinary.exemplarsSerde();

    private MeshpulseTopology() {}

    /** How the parsing tasks' partial counts reach the pair windows. */
    public enum Wiring {
        /**
         * Through an internal topic keyed by pair, so that every parsing task's counts of a pair meet in one
         * pair-keyed task: any number of raw partitions and instances. {@code run} always uses it, so that its
         * internal topics and stores stay the same whatever the partition count.
         */
        REPARTITIONED,
        /**
         * Straight to the pair windows in the one parsing task, without the topic: only with one raw partition,
         * where that task sees every line and the pair-keyed stage would have one task fed by one task. For runs
         * whose state does not outlive them (replay): the stores are the same but the internal topics are not.
         * The output is the same record for record; what goes is a topic write and read of every partial count,
         * and the pair windows no longer wait for the parsing task's commit to see its counts, so commits can be
         * further apart (see {@code Replay}).
         */
        SINGLE_TASK;

        /** The wiring with the fewest tasks for {@code rawPartitions}: {@link #SINGLE_TASK} for one, else repartitioned. */
        public static Wiring leanestFor(int rawPartitions) {
            return rawPartitions == 1 ? SINGLE_TASK : REPARTITIONED;
        }
    }

    public static Topology build(Topics topics, Settings settings) {
        return build(topics, settings, Wiring.REPARTITIONED);
    }

    public static Topology build(Topics topics, Settings settings, Wiring wiring) {
        StreamsBuilder builder = new StreamsBuilder();
        add(builder, topics, settings, wiring);
        return builder.build();
    }

    /**
     * Adds the spine (raw lines to closed pair windows) to {@code builder} and returns the stream of closed
     * windows, keyed by {@link io.meshpulse.topology.stats.PairKey#toKeyString()}: access-log windows and, for
     * reporters whose access logs did not cover a window, metrics-derived ones ({@link MetricsStage}). Later stages (alerts) attach
     * to this stream in the same task as the {@link Names#PAIR_STATS_STORE} store, so they can read it.
     */
    public static KStream<String, PairWindowStats> addTo(StreamsBuilder builder, Topics topics, Settings settings) {
        return add(builder, topics, settings).windows();
    }

    /** As {@link #addTo(StreamsBuilder, Topics, Settings)}, wired as {@code wiring} says. */
    public static KStream<String, PairWindowStats> addTo(StreamsBuilder builder, Topics topics, Settings settings,
                                                         Wiring wiring) {
        return add(builder, topics, settings, wiring).windows();
    }

    /**
     * The two streams the spine offers later stages.
     *
     * @param windows closed windows, as {@link #addTo} returns them
     * @param early   early looks at windows that ended but have not closed, or at a window up to a point inside it
     *                ({@link Settings#earlyEvery()}), one per parsing task, pair and point, keyed by pair; empty
     *                unless {@link Settings#earlyLooks()}
     * @param ends    with {@link Wiring#SINGLE_TASK}, the end of input once the last windows are out (one record,
     *                with the control header {@code end-of-input}), in the same task as the windows, so that a later
     *                stage there can finish at once; null otherwise (each later stage then has its own way of hearing
     *                of the end, see {@code Replay})
     */
    public record Spine(KStream<String, PairWindowStats> windows, KStream<String, Emitted.Look> early,
                        KStream<String, Emitted.End> ends) {}

    /** Adds the spine to {@code builder}, {@link Wiring#REPARTITIONED}; see {@link #addTo}. */
    public static Spine add(StreamsBuilder builder, Topics topics, Settings settings) {
        return add(builder, topics, settings, Wiring.REPARTITIONED);
    }

    /**
     * Adds the spine to {@code builder}; see {@link #addTo}.
     *
     * @throws IllegalArgumentException for {@link Wiring#SINGLE_TASK} with more than one raw partition
     */
    public static Spine add(StreamsBuilder builder, Topics topics, Settings settings, Wiring wiring) {
        if (wiring == Wiring.SINGLE_TASK && settings.rawPartitions() != 1) {
            throw new IllegalArgumentException("one parsing task needs one raw partition, not "
                    + settings.rawPartitions());
        }
        Serde<String> keys = Serdes.String();

        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.IP_OWNERS_STORE), keys, IP_OWNER_SERDE)
                        .withLoggingDisabled(),
                topics.ipOwners(),
                Consumed.with(keys, IP_OWNER_SERDE).withName(Names.IP_OWNERS_SOURCE),
                IpOwnersUpdater::new);
        // Counted into once per line, written once per commit: the parsing task keeps every open window decoded in
        // memory and writes the changed ones when the task commits (DeferredWritesStore), straight to RocksDB and
        // the changelog. The store is read only when the task starts; Kafka Streams' record cache in front of it
        // would only repeat what the task's own map already does (and it copied its key set for every range read).
        builder.addStateStore(DeferredWritesStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.PARTIALS_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.PARTIALS_META_STORE), keys, Serdes.Long()));
        // Written when a pod is seen called through a new service or port (and at most once a minute after), read when a
        // window holding a server-side line without a service closes.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.SERVED_STORE), keys, Serdes.ByteArray()));
        // The pair-keyed task keeps its open windows decoded the same way; most never reach the store at all.
        builder.addStateStore(DeferredWritesStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.OPEN_WINDOWS_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.WATERMARKS_STORE), Serdes.Integer(), Serdes.Long()));
        builder.addStateStore(Stores.windowStoreBuilder(
                RestartSafeWindowStore.persistent(Names.PAIR_STATS_STORE, settings.statsRetention(), settings.window()),
                keys, PAIR_STATS_STORE_SERDE));
        builder.addStateStore(Stores.windowStoreBuilder(
                RestartSafeWindowStore.persistent(Names.PAIR_EXEMPLARS_STORE, settings.statsRetention(), settings.window()),
                keys, EXEMPLARS_SERDE));

        KStream<String, Emitted> fromParsing = builder
                // the key as bytes: it is read only when a record goes to the dead-letter topic or is not JSON
                .stream(topics.rawAccessLog(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(Names.RAW_SOURCE))
                .process(() -> new PartialsProcessor(settings), Named.as(Names.PAIR_PARTIALS),
                        Names.PARTIALS_STORE, Names.PARTIALS_META_STORE, Names.SERVED_STORE);

        Map<String, KStream<String, Emitted>> parsed = fromParsing.split(Named.as(Names.ROUTE_PARTIALS))
                .branch((k, v) -> v instanceof Emitted.Dead, Branched.as("-dead"))
                .branch((k, v) -> v instanceof Emitted.Ip, Branched.as("-ip"))
                .branch((k, v) -> v instanceof Emitted.Look, Branched.as("-early"))
                .defaultBranch(Branched.as("-partials"));
        deadLetters(parsed.get(Names.ROUTE_PARTIALS + "-dead"), topics, "partials");
        parsed.get(Names.ROUTE_PARTIALS + "-ip")
                .mapValues(v -> ((Emitted.Ip) v).owner(), Named.as("ip-owner-value"))
                .to(topics.ipOwners(), Produced.with(keys, IP_OWNER_SERDE).withName("ip-owners-sink"));

        KStream<String, PartialMsg> partials = parsed.get(Names.ROUTE_PARTIALS + "-partials")
                .mapValues(v -> ((Emitted.ToPartials) v).msg(), Named.as("partial-value"));
        if (wiring == Wiring.REPARTITIONED) {
            partials = partials.repartition(Repartitioned.<String, PartialMsg>as(Names.REPARTITION)
                    .withKeySerde(keys)
                    .withValueSerde(new PartialMsgSerde())
                    .withStreamPartitioner(new PartialsPartitioner()));
        }
        boolean inTask = wiring == Wiring.SINGLE_TASK;
        KStream<String, Emitted> fromWindows = partials
                .process(() -> new WindowsProcessor(settings, inTask), Named.as(Names.PAIR_WINDOWS),
                        Names.OPEN_WINDOWS_STORE, Names.WATERMARKS_STORE, Names.PAIR_STATS_STORE,
                        Names.PAIR_EXEMPLARS_STORE);

        var routes = fromWindows.split(Named.as(Names.ROUTE_WINDOWS))
                .branch((k, v) -> v instanceof Emitted.Dead, Branched.as("-dead"));
        if (inTask) routes = routes.branch((k, v) -> v instanceof Emitted.End, Branched.as("-end"));
        Map<String, KStream<String, Emitted>> windows = routes.defaultBranch(Branched.as("-stats"));
        deadLetters(windows.get(Names.ROUTE_WINDOWS + "-dead"), topics, "windows");
        KStream<String, PairWindowStats> stats = windows.get(Names.ROUTE_WINDOWS + "-stats")
                .mapValues(v -> ((Emitted.Stats) v).stats(), Named.as("stats-value"));
        stats.to(topics.pairStats(), Produced.with(keys, PAIR_STATS_SERDE).withName("pair-stats-sink"));
        KStream<String, PairWindowStats> fromMetrics = MetricsStage.addTo(builder, topics, settings, stats);
        KStream<String, Emitted.Look> early = parsed.get(Names.ROUTE_PARTIALS + "-early")
                .mapValues(v -> (Emitted.Look) v, Named.as("early-look-value"));
        KStream<String, Emitted.End> ends = !inTask ? null : windows.get(Names.ROUTE_WINDOWS + "-end")
                .mapValues(v -> (Emitted.End) v, Named.as("end-value"));
        return new Spine(stats.merge(fromMetrics, Named.as(Names.PAIR_STATS_ALL)), early, ends);
    }

    private static void deadLetters(KStream<String, Emitted> stream, Topics topics, String stage) {
        stream.mapValues(v -> ((Emitted.Dead) v).letter(), Named.as(stage + "-dead-letter-value"))
                .to(topics.deadLetters(), Produced.with(Serdes.String(), DEAD_LETTER_SERDE).withName(stage + "-dlq-sink"));
    }
}
