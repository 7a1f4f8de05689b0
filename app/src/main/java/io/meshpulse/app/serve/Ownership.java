package io.meshpulse.app.serve;

import io.meshpulse.topology.Names;
import java.util.Collection;
import java.util.Comparator;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Which instance answers for what, from the Streams metadata: a pair belongs to the instance that hosts its
 * partition of the pair-stats store (the same instance exports its metric series, so each series comes from one
 * instance and {@code sum()} over instances is right); instance-wide series (dead letters) come from the instance
 * with the smallest address.
 */
final class Ownership {
    private static final Serializer<String> KEYS = Serdes.String().serializer();

    private final KafkaStreams streams;
    private final HostInfo self;

    Ownership(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    HostInfo self() {
        return self;
    }

    boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** The instance whose store holds {@code key}, or null while the metadata is not available (rebalance). */
    HostInfo ownerOf(String store, String key) {
        KeyQueryMetadata md = streams.queryMetadataForKey(store, key, KEYS);
        if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null) return null;
        return md.activeHost();
    }

    boolean ownsPair(String key) {
        HostInfo h = ownerOf(Names.PAIR_STATS_STORE, key);
        return self.equals(h);
    }

    boolean ownsInstanceWide() {
        Collection<StreamsMetadata> all = streams.metadataForAllStreamsClients();
        return all.stream().map(StreamsMetadata::hostInfo)
                .min(Comparator.comparing(HostInfo::host).thenComparingInt(HostInfo::port))
                .map(self::equals).orElse(true);
    }

    /** Every instance that hosts (an active partition of) {@code store}. */
    Collection<HostInfo> hostsOf(String store) {
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo).distinct().toList();
    }
}
