package io.meshpulse.app.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker starts again on the data folder it used before ({@code meshpulse broker --data DIR} run
 * twice, {@code meshpulse run} restarted on its state folder) and still holds what was written to it.
 */
class BrokerRestartIT {
    @TempDir
    Path dir;

    @Test
    void aSecondStartOnTheSameDataFolderKeepsTheRecords() throws Exception {
        Topics topics = Topics.withPrefix("restart.");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir, 0)) {
            try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
                admin.ensure(topics, 1, Optional.of((short) 1));
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topics.rawAccessLog(), 0, "k", "line " + i)).get();
            }
        }

        try (EmbeddedBroker again = EmbeddedBroker.start(dir, 0)) {
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
                TopicPartition tp = new TopicPartition(topics.rawAccessLog(), 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<String> read = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (read.size() < 5 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                }
                assertEquals(List.of("line 0", "line 1", "line 2", "line 3", "line 4"), read);
            }
        }
    }
}
