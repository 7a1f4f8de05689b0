package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.meshpulse.model.RawLogLine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The tail sink's heartbeat: every partition of the raw topic, after the lines, in their transaction. */
class KafkaTailSinkHeartbeatTest {
    private static final String RAW = "meshpulse.accesslog.raw";

    @Test
    void aHeartbeatGoesToEveryPartitionAfterTheLinesInTheSameTransaction() {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> parts = IntStream.range(0, 3)
                .mapToObj(p -> new PartitionInfo(RAW, p, node, new Node[] {node}, new Node[] {node})).toList();
        Cluster cluster = new Cluster("test", List.of(node), parts, Set.of(), Set.of());
        MockProducer<String, byte[]> producer = new MockProducer<>(cluster, true, null, new StringSerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        long upTo = Instant.parse("2026-11-20T10:00:05Z").toEpochMilli();
        try (KafkaTailSink sink = new KafkaTailSink("unused:9092", RAW, "dlq", "checkpoints", "node-1", Map.of(),
                () -> producer)) {
            sink.line(new RawLogLine("2026-11-20T10:00:04.000Z", "shop", "cart-1", "istio-proxy", "node-1", "l1", "f"),
                    upTo - 1000);
            sink.line(new RawLogLine("2026-11-20T10:00:04.500Z", "shop", "pay-7", "istio-proxy", "node-1", "l2", "f"),
                    upTo - 500);
            sink.heartbeat("tail/node-1", upTo);
            assertEquals(List.of(), producer.history(), "nothing visible before the commit");
            sink.commit();
        }
        assertEquals(1, producer.commitCount());
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        assertEquals(5, sent.size(), sent.toString());
        assertEquals(List.of("shop/cart-1", "shop/pay-7"), sent.subList(0, 2).stream().map(ProducerRecord::key).toList());
        List<ProducerRecord<String, byte[]>> beats = sent.subList(2, 5);
        assertEquals(List.of(0, 1, 2), beats.stream().map(ProducerRecord::partition).toList());
        for (ProducerRecord<String, byte[]> r : beats) {
            Header control = r.headers().lastHeader("meshpulse-control");
            assertNotNull(control);
            assertEquals("heartbeat", new String(control.value(), StandardCharsets.UTF_8));
            assertEquals("tail/node-1", r.key());
            assertEquals("2026-11-20T10:00:05.000Z", new String(r.value(), StandardCharsets.UTF_8));
            assertEquals(upTo, r.timestamp());
        }
    }
}
