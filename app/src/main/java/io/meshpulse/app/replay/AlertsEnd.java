package io.meshpulse.app.replay;

import io.meshpulse.alerts.stream.AlertNames;
import io.meshpulse.topology.Names;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The end of a replay for the alerts stage. Once every window's stats are out, every observation the alerts stage
 * will ever get is in its input topic; an end-of-input control record written after them into each partition tells
 * the stage to decide every pending window at once instead of after its wall-clock settle delay. The replay is
 * then over when the stage has committed past that record (its alerts are in the same transaction) and the
 * collector has read the alerts topic to its committed end: a condition, not a quiet period.
 */
final class AlertsEnd {
    private AlertsEnd() {}

    /** The alerts stage's input: a Streams repartition topic, named after the application. */
    static String inputTopic(String applicationId) {
        return applicationId + "-" + AlertNames.REPARTITION + "-repartition";
    }

    /**
     * Sends the end marker and waits as described above; false when that failed or the deadline passed first, so
     * that the caller can fall back to waiting out the settle delay.
     */
    static boolean signalAndAwait(String bootstrap, Map<String, Object> kafka, String applicationId,
                                  String alertsTopic, OutputCollector collector, Runnable checkFailed,
                                  Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String input = inputTopic(applicationId);
        Map<TopicPartition, Long> pastMarker = new HashMap<>();
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.putAll(kafka);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(),
                new ByteArraySerializer())) {
            for (PartitionInfo pi : producer.partitionsFor(input)) {
                RecordHeaders h = new RecordHeaders();
                h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
                RecordMetadata md = producer.send(new ProducerRecord<>(input, pi.partition(), null, "control", null, h))
                        .get();
                pastMarker.put(new TopicPartition(input, pi.partition()), md.offset() + 1);
            }
        } catch (ExecutionException e) {
            return false;
        }
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.putAll(kafka);
        try (Admin admin = Admin.create(ap)) {
            if (!Waits.until(deadline, checkFailed, () -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get();
                return pastMarker.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    return c != null && c.offset() >= e.getValue();
                });
            })) {
                return false;
            }
            Map<TopicPartition, Long> ends = committedEnds(admin, alertsTopic);
            return Waits.until(deadline, checkFailed, () -> collector.alertsReadTo(ends));
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** The end of what a read_committed consumer can read in each partition of {@code topic}. */
    private static Map<TopicPartition, Long> committedEnds(Admin admin, String topic)
            throws ExecutionException, InterruptedException {
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        return admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
