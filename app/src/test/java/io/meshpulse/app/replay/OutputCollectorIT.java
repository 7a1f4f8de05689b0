package io.meshpulse.app.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay that fails half-way closes its collector from the replay's thread while the collector's own thread
 * is polling: the consumer must never be used from both (Kafka throws ConcurrentModificationException, which
 * used to hide the replay's real error).
 */
class OutputCollectorIT {
    @TempDir
    Path dir;

    @Test
    void closingWhilePollingStopsTheCollectorsThreadCleanly() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            Topics topics = Topics.withPrefix("oc.");
            try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
                admin.ensure(topics, 1, Optional.of((short) 1));
            }
            // Closed without ever starting: the caller's thread is the only user.
            new OutputCollector(broker.bootstrapServers(), topics.pairStats(), topics.deadLetters(), null).close();

            OutputCollector collector = new OutputCollector(broker.bootstrapServers(), topics.pairStats(),
                    topics.deadLetters(), topics.alerts(), null);
            collector.start();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            DeadLetter letter = new DeadLetter("rejected", "not an access log", null, "shop", "a-pod", "istio-proxy",
                    "test", "hello");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(topics.deadLetters(), "k",
                        new JsonCodec<>(DeadLetter.class).encodeToString(letter))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> collector.deadLetters() == 1);

            collector.close(); // the collector's thread is in poll() now
            assertNull(collector.failure(), "closing is not a failure");
            assertEquals(false, collector.threadAlive(), "its thread has ended");
            assertEquals(1, collector.deadLetters());
            assertEquals(java.util.Map.of("rejected", 1L), collector.deadByKind());
        }
    }
}
