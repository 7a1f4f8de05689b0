package io.meshpulse.ingest.kafka;

import io.meshpulse.model.Times;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * An ingest's heartbeat on the raw topic: one record on every partition, saying that the ingest instance has no
 * unread line written before a time. Header {@code meshpulse-control: heartbeat}, key the instance (e.g.
 * {@code tail/<node>}), value the time in RFC 3339, record timestamp the same time. Sent after the lines it vouches
 * for, by the same producer (in the same transaction when it has one), so that on each partition it comes after
 * them. The topology's parsing tasks then hold their idle clock at the oldest such time instead of letting the
 * wall clock close windows the ingest still has lines for.
 */
public final class Heartbeats {
    /** Control-header value; must match the topology's {@code Names.HEARTBEAT}. */
    public static final String HEARTBEAT = "heartbeat";

    private Heartbeats() {}

    /** The instance name of the tailer of {@code node}: stable across its restarts, one per node. */
    public static String tailInstance(String node) {
        return "tail/" + node;
    }

    /** Sends the heartbeat to every partition of {@code topic}; returns how many records that was. */
    public static int send(Producer<String, byte[]> producer, String topic, String instance, long upToMillis) {
        List<ProducerRecord<String, byte[]>> records = records(topic, producer.partitionsFor(topic).size(), instance,
                upToMillis);
        records.forEach(producer::send);
        return records.size();
    }

    /** The heartbeat's records, one for each of the {@code partitions} of {@code topic}. */
    public static List<ProducerRecord<String, byte[]>> records(String topic, int partitions, String instance,
                                                              long upToMillis) {
        RecordHeaders h = new RecordHeaders();
        h.add(RawLineProducer.CONTROL_HEADER, HEARTBEAT.getBytes(StandardCharsets.UTF_8));
        byte[] value = Times.rfc3339(upToMillis).getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            records.add(new ProducerRecord<>(topic, p, Math.max(0, upToMillis), instance, value, h));
        }
        return records;
    }
}
