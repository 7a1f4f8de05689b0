package io.meshpulse.app.ingest;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the tailer ITs read back from the raw topic to check that every line written arrived once, in order. */
final class RawTopicLines {

    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    private RawTopicLines() {}

    /**
     * Reads {@code topic} from the beginning, read committed, until {@code expected} lines (heartbeats left out) have
     * arrived or the timeout passed, then two seconds more: the lines by pod, each as {@code sequence} reads its
     * number, in the order read; a line beyond the expected count (a repeat) is added as -1.
     */
    static Map<String, List<Long>> read(String bootstrap, String topic, long expected, Duration timeout,
            ToLongFunction<RawLogLine> sequence) {
        Map<String, List<Long>> seen = new HashMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.isEmpty() && System.nanoTime() < deadline) {
                c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(pi.topic(), pi.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            long count = 0;
            while (count < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.headers().lastHeader("meshpulse-control") != null) continue; // the tailer's heartbeats
                    RawLogLine l = RAW.decode(r.value());
                    seen.computeIfAbsent(l.pod(), k -> new ArrayList<>()).add(sequence.applyAsLong(l));
                    count++;
                }
            }
            // anything beyond the expected count would be a repeat: give it a moment to show up
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofSeconds(2))) {
                if (r.headers().lastHeader("meshpulse-control") != null) continue;
                seen.computeIfAbsent(RAW.decode(r.value()).pod(), k -> new ArrayList<>()).add(-1L);
            }
        }
        return seen;
    }
}
