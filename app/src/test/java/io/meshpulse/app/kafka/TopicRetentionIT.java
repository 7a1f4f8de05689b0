package io.meshpulse.app.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines replayed from old logs carry their own (old) times. A broker deletes records older than its retention at
 * its next check whether or not they were read; replay and bench topics are created with
 * {@link TopicAdmin#KEEP_OLD_RECORDS} so that a replay of last month's logs keeps its input. Here the broker checks
 * every second: a topic with default settings loses month-old records, a replay's topic keeps them.
 */
class TopicRetentionIT {
    @TempDir
    Path dir;

    @Test
    void replayTopicsKeepRecordsOlderThanTheBrokersRetention() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir, 0, Map.of(
                "log.retention.check.interval.ms", "1000", "log.initial.task.delay.ms", "0"))) {
            Topics plain = Topics.withPrefix("plain.");
            Topics replay = Topics.withPrefix("replay.");
            try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
                admin.ensure(plain, 1, Optional.of((short) 1));
                admin.ensure(replay, 1, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            }
            long monthAgo = Instant.now().minus(Duration.ofDays(30)).toEpochMilli();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (String topic : List.of(plain.rawAccessLog(), replay.rawAccessLog())) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>(topic, 0, monthAgo + i, "k", "line " + i)).get();
                    }
                }
            }
            TopicPartition plainRaw = new TopicPartition(plain.rawAccessLog(), 0);
            TopicPartition replayRaw = new TopicPartition(replay.rawAccessLog(), 0);
            Properties a = new Properties();
            a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(a)) {
                // The mechanism: the broker deletes the old records of a topic with default retention.
                await().atMost(Duration.ofSeconds(60)).until(() -> earliest(admin, plainRaw) == 10);
                // A replay's topic still holds all of them after the same checks.
                assertEquals(0, earliest(admin, replayRaw));
                assertEquals(10, admin.listOffsets(Map.of(replayRaw, OffsetSpec.latest())).all().get()
                        .get(replayRaw).offset());
            }
        }
    }

    private static long earliest(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset();
    }
}
