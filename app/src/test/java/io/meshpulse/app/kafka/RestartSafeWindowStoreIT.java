package io.meshpulse.app.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.topology.stream.RestartSafeWindowStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A task whose window store holds nothing (the pair task before its first failure has no exemplar) keeps its other
 * stores across a clean restart under exactly-once. With Kafka Streams' own window store the restart calls the task
 * corrupted and restores its key-value store from the changelog: the plain store is the control that shows this test
 * can see the difference.
 */
class RestartSafeWindowStoreIT {
    private static final String INPUT = "in";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "restart-safe window store: {0}")
    @ValueSource(booleans = {true, false})
    void aCleanRestartRestoresTheOtherStoresOnlyWithKafkaStreamsOwnWindowStore(boolean restartSafe) throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(INPUT, 1, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>(INPUT, 0, "k" + i, "v")).get();
            }
            Properties config = StreamsRunner.config("restart-safe-" + restartSafe, bootstrap, dir.resolve("state"), 1,
                    (short) 1, 16L * 1024 * 1024);

            try (StreamsRunner first = new StreamsRunner(topology(restartSafe), config)) {
                first.start(Duration.ofSeconds(60));
                await("the 20 records counted").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            first.checkFailed();
                            return committedCount(first.streams()) == 20;
                        });
            }

            RestoredRecords restored = new RestoredRecords();
            try (StreamsRunner second = new StreamsRunner(topology(restartSafe), config)) {
                second.streams().setGlobalStateRestoreListener(restored);
                second.start(Duration.ofSeconds(60));
                await("the counts there after the restart").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            second.checkFailed();
                            return committedCount(second.streams()) == 20;
                        });
            }
            if (restartSafe) {
                assertEquals(Map.of(), restored.byStore(), "nothing restored: the local state was kept");
            } else {
                assertEquals(Map.of("counts", 20L), restored.byStore(), "the task was wiped and its counts restored");
            }
        }
    }

    /** A count per key in a key-value store, beside a window store that is never written. */
    private static Topology topology(boolean restartSafe) {
        StreamsBuilder b = new StreamsBuilder();
        WindowBytesStoreSupplier window = restartSafe
                ? RestartSafeWindowStore.persistent("never-written", Duration.ofHours(1), Duration.ofSeconds(10))
                : Stores.persistentWindowStore("never-written", Duration.ofHours(1), Duration.ofSeconds(10), false);
        b.addStateStore(Stores.windowStoreBuilder(window, Serdes.String(), Serdes.Long()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("counts"), Serdes.String(),
                Serdes.Long()));
        b.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()).withName("input"))
                .process(Count::new, Named.as("count"), "counts", "never-written");
        return b.build();
    }

    private static long committedCount(KafkaStreams streams) {
        if (streams.state() != KafkaStreams.State.RUNNING) return -1;
        long n = 0;
        try (KeyValueIterator<String, Long> it = streams.store(StoreQueryParameters.fromNameAndType("counts",
                QueryableStoreTypes.<String, Long>keyValueStore())).all()) {
            while (it.hasNext()) n += it.next().value;
        } catch (InvalidStateStoreException e) {
            return -1; // migrating or restoring: asked again
        }
        return n;
    }

    private static final class Count implements Processor<String, String, Void, Void> {
        private KeyValueStore<String, Long> counts;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            counts = context.getStateStore("counts");
        }

        @Override
        public void process(Record<String, String> record) {
            Long n = counts.get(record.key());
            counts.put(record.key(), n == null ? 1 : n + 1);
        }
    }
}
