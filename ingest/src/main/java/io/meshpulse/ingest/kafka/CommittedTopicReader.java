package io.meshpulse.ingest.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every committed record of a topic, from its beginning up to the end it has when the read starts, with no
 * consumer group: what restoring a checkpoint topic or an IP table needs.
 */
public final class CommittedTopicReader {
    private CommittedTopicReader() {}

    /**
     * Hands each record to {@code each}, in partition order. A topic with no partitions (not created yet) has
     * nothing to read.
     *
     * @param overrides client settings merged over meshpulse's (e.g. a {@code --kafka-config} file's)
     * @throws IllegalStateException when the end is not reached within {@code timeout}
     */
    public static void readToEnd(String bootstrap, String topic, Map<String, ?> overrides, Duration timeout,
                                 Consumer<ConsumerRecord<String, byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putAll(overrides);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) return;
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }
}
