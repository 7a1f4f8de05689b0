package io.meshpulse.app.replay;

import io.meshpulse.alerts.stream.AlertNames;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.topology.Names;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
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
 * then over when the stage has committed past that record (its alerts are in the same transaction), that
 * transaction's records are visible to read_committed readers of the alerts topic, and the collector has read them:
 * a condition, not a quiet period.
 *
 * <p>With one task ({@code Wiring.SINGLE_TASK}) the stage reads no topic: the spine hands it the end of input right
 * after the last windows, in the processing of the raw topic's own end-of-input marker ({@link #awaitInTask}).
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
        return awaitCommittedPast(bootstrap, kafka, applicationId, pastMarker, alertsTopic, collector, checkFailed,
                deadline);
    }

    /**
     * The end with the stage in the spine's one task: it decides its last windows while that task processes the raw
     * topic's end-of-input marker, which was sent last. Waits as {@link #signalAndAwait} does, for a commit past the
     * raw topic's end instead of past a marker of its own.
     */
    static boolean awaitInTask(String bootstrap, Map<String, Object> kafka, String applicationId, String rawTopic,
                               String alertsTopic, OutputCollector collector, Runnable checkFailed, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(TopicAdmin.config(bootstrap, kafka))) {
            Map<TopicPartition, Long> rawEnd = Waits.endOffsets(admin, rawTopic, IsolationLevel.READ_UNCOMMITTED);
            return awaitCommittedPast(admin, applicationId, rawEnd, alertsTopic, collector, checkFailed, deadline);
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static boolean awaitCommittedPast(String bootstrap, Map<String, Object> kafka, String applicationId,
                                              Map<TopicPartition, Long> pastMarker, String alertsTopic,
                                              OutputCollector collector, Runnable checkFailed, long deadline)
            throws InterruptedException {
        try (Admin admin = Admin.create(TopicAdmin.config(bootstrap, kafka))) {
            return awaitCommittedPast(admin, applicationId, pastMarker, alertsTopic, collector, checkFailed, deadline);
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static boolean awaitCommittedPast(Admin admin, String applicationId, Map<TopicPartition, Long> pastMarker,
                                              String alertsTopic, OutputCollector collector, Runnable checkFailed,
                                              long deadline) throws InterruptedException, ExecutionException {
        if (!Waits.until(deadline, checkFailed, () -> Waits.committedPast(admin, applicationId, pastMarker))) {
            return false;
        }
        // The stage's last transaction is committed, but its markers reach the partitions one by one: the
        // group's offsets can be visible before the alerts topic's last records are. Everything the stage wrote
        // is below the alerts topic's end now; wait until a read_committed reader may see up to there.
        Map<TopicPartition, Long> written = Waits.endOffsets(admin, alertsTopic, IsolationLevel.READ_UNCOMMITTED);
        if (!Waits.until(deadline, checkFailed, () -> Waits.reached(
                Waits.endOffsets(admin, alertsTopic, IsolationLevel.READ_COMMITTED), written))) {
            return false;
        }
        return Waits.until(deadline, checkFailed, () -> collector.readTo(written));
    }
}
