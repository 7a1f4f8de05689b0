package io.meshpulse.app.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance that starts without local state rebuilds the IP table from its topic through the same updater as it
 * runs live, so an IP's earlier owners (which the topic holds only as the announcements made at the time) come back
 * beside its newest one. The announcements are in the topic before the instance starts: they reach the table
 * through the global store's restore, not through live processing.
 */
class IpTableRestoreIT {

    @Test
    void aFreshInstanceRebuildsAnIpsEarlierOwnersFromTheTopic(@TempDir Path dir) throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix("iptable.");
            try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
                admin.ensure(topics, 1, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            }
            // 10.0.0.7 held by a cart pod, then (the pod deleted) given to a payments pod
            IpOwner cart = new IpOwner("shop", "cart", "cart-7d9f8b6c5-x2x4z", 1_000_000L);
            IpOwner payments = new IpOwner("shop", "payments", "payments-5c7b9d8f6-q8w2e", 2_000_000L);
            Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaProducer<String, IpOwner> producer = new KafkaProducer<>(p, new StringSerializer(),
                    MeshpulseTopology.IP_OWNER_SERDE.serializer())) {
                producer.send(new ProducerRecord<>(topics.ipOwners(), "10.0.0.7", cart)).get();
                producer.send(new ProducerRecord<>(topics.ipOwners(), "10.0.0.7", payments)).get();
            }

            Settings settings = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(30), 1, Duration.ofDays(1),
                    Duration.ofSeconds(1), Duration.ofDays(3650));
            try (StreamsRunner streams = new StreamsRunner(MeshpulseTopology.build(topics, settings),
                    StreamsRunner.config("iptable-it", bootstrap, dir.resolve("state"), 1, (short) 1,
                            16L * 1024 * 1024))) {
                streams.start(Duration.ofSeconds(60));
                List<IpOwner> table = new ArrayList<>();
                await("the IP table restored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            streams.checkFailed();
                            table.clear();
                            table.addAll(entries(streams, "10.0.0.7"));
                            return table.size() >= 2;
                        });
                // the IP itself first (its newest owner), then its history (keys "ip|time")
                assertEquals(List.of(payments, cart), table);
            }
        }
    }

    /** The table's entries for {@code ip}: its current owner, then its earlier ones; empty while not queryable. */
    private static List<IpOwner> entries(StreamsRunner streams, String ip) {
        List<IpOwner> out = new ArrayList<>();
        try {
            ReadOnlyKeyValueStore<String, IpOwner> store = streams.streams().store(StoreQueryParameters
                    .fromNameAndType(Names.IP_OWNERS_STORE, QueryableStoreTypes.<String, IpOwner>keyValueStore()));
            try (KeyValueIterator<String, IpOwner> it = store.prefixScan(ip, new StringSerializer())) {
                while (it.hasNext()) {
                    KeyValue<String, IpOwner> kv = it.next();
                    out.add(kv.value);
                }
            }
        } catch (InvalidStateStoreException e) {
            return List.of(); // not queryable yet: asked again
        }
        return out;
    }
}
