package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.ingest.tail.KafkaTailSink;
import io.meshpulse.model.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse run --tail-path} as a child JVM on an embedded broker, fenced by a second producer that takes its
 * node's transactional id (what a second tailer of the same node does at start). The in-process tailer stops for
 * good when fenced; {@code run} must then stop too, with exit status 2 as {@code ingest tail} has, instead of
 * counting on without that node's lines.
 */
class RunTailFencedIT {
    private static final String NODE = "fence-it-node";
    private static final String PREFIX = "fence.";

    @Test
    void runStopsWithStatusTwoWhenItsTailerIsFenced(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        Path logs = Files.createDirectories(dir.resolve("containers"));
        Files.writeString(logs.resolve("checkout-7d9f8b6c5d-x2x9z_shop_istio-proxy-" + "ab".repeat(32) + ".log"),
                "2026-11-23T02:00:00.000000000Z stdout F [2026-11-23T02:00:00.000Z] \"GET /cart HTTP/1.1\" 200 - "
                        + "via_upstream - \"-\" 0 12 3 2 \"-\" \"curl\" \"r-1\" \"cart:8080\" \"10.0.0.7:8080\" "
                        + "outbound|8080||cart.shop.svc.cluster.local 10.0.0.5:40000 10.96.0.10:8080 "
                        + "10.0.0.5:39999 - default\n");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), 0)) {
            String bootstrap = broker.bootstrapServers();
            String raw = Topics.withPrefix(PREFIX).rawAccessLog();
            Path out = dir.resolve("run.log");
            Process run = start(bootstrap, dir, logs, out);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                // the tailer is live: its line (and heartbeats) committed to the raw topic
                while (committed(admin, raw) == 0) {
                    assertTrue(run.isAlive(), "run ended early: " + ChildOutput.lastLines(out, 30));
                    assertTrue(System.nanoTime() < deadline, "nothing committed to the raw topic: "
                            + ChildOutput.lastLines(out, 30));
                    run.waitFor(50, TimeUnit.MILLISECONDS);
                }
                try (KafkaProducer<byte[], byte[]> intruder = fencer(bootstrap)) {
                    intruder.initTransactions(); // bumps the epoch: the run's tailer is fenced at its next request
                    assertTrue(run.waitFor(90, TimeUnit.SECONDS), "run still running after its tailer was fenced: "
                            + ChildOutput.lastLines(out, 30));
                }
                assertEquals(2, run.exitValue(), "run's exit status: " + ChildOutput.lastLines(out, 30));
                String log = Files.readString(out);
                assertTrue(log.contains("another tailer took over node " + NODE), log);
                assertTrue(log.contains("the tailer was fenced by another tailer of this node"), log);
            } finally {
                run.destroyForcibly().waitFor();
            }
        }
    }

    private static Process start(String bootstrap, Path dir, Path logs, Path out) throws IOException {
        return MeshpulseProcess.start(MeshpulseProcess.SMALL_JVM, Map.of("NODE_NAME", NODE), List.of("run",
                "--bootstrap-servers", bootstrap, "--topic-prefix", PREFIX, "--application-id", "fence-it",
                "--state-dir", dir.resolve("state").toString(), "--http-port", "0", "--quiet", "--partitions", "1",
                "--tail-path", logs + "/*.log", "--tail-from-beginning"), out);
    }

    private static KafkaProducer<byte[], byte[]> fencer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaTailSink.transactionalId(NODE));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Records committed to {@code topic} (read_committed end offsets); 0 while the topic does not exist yet. */
    private static long committed(Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) return 0;
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        return admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().values().stream()
                .mapToLong(info -> info.offset()).sum();
    }
}
