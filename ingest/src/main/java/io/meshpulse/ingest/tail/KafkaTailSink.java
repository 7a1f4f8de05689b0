package io.meshpulse.ingest.tail;

import io.meshpulse.ingest.kafka.CommittedTopicReader;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import io.meshpulse.ingest.kafka.Heartbeats;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tailer's output as Kafka transactions: raw lines, dead letters and file positions (a compacted checkpoint
 * topic) are committed together, so after any crash the committed positions describe exactly the committed lines.
 * The transactional id is fixed per node ({@code meshpulse-tail-<node>}): a restarted tailer fences the one it
 * replaces, and its open transaction is aborted before the checkpoints are read back (read_committed).
 */
public final class KafkaTailSink implements TailSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTailSink.class);
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);
    private static final JsonCodec<DeadLetter> DLQ = new JsonCodec<>(DeadLetter.class);
    private static final JsonCodec<Checkpoint> CHECKPOINT = new JsonCodec<>(Checkpoint.class);

    /** Default name of the compacted topic holding the positions. */
    public static final String CHECKPOINT_TOPIC = "meshpulse.ingest.checkpoints";

    private final String bootstrap;
    private final String rawTopic;
    private final String deadLetterTopic;
    private final String checkpointTopic;
    private final String node;
    private final Producer<String, byte[]> producer;
    private final Map<String, Object> clientOverrides;
    private boolean inTransaction;

    public KafkaTailSink(String bootstrap, String rawTopic, String deadLetterTopic, String checkpointTopic, String node,
                         Map<String, Object> clientOverrides) {
        this(bootstrap, rawTopic, deadLetterTopic, checkpointTopic, node, clientOverrides,
                () -> new KafkaProducer<>(producerConfig(bootstrap, node, clientOverrides), new StringSerializer(),
                        new ByteArraySerializer()));
        try {
            ensureCheckpointTopic(bootstrap, checkpointTopic, this.clientOverrides);
            // Fences an earlier instance with the same id and aborts what it left open.
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** With a producer of the caller's (tests: a MockProducer); the checkpoint topic is not created. */
    KafkaTailSink(String bootstrap, String rawTopic, String deadLetterTopic, String checkpointTopic, String node,
                  Map<String, Object> clientOverrides, java.util.function.Supplier<Producer<String, byte[]>> producer) {
        this.bootstrap = bootstrap;
        this.clientOverrides = Map.copyOf(clientOverrides);
        this.rawTopic = rawTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.checkpointTopic = checkpointTopic;
        this.node = node;
        this.producer = producer.get();
    }

    private static Properties producerConfig(String bootstrap, String node, Map<String, Object> clientOverrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(node));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        p.putAll(clientOverrides);
        return p;
    }

    public static String transactionalId(String node) {
        return "meshpulse-tail-" + node;
    }

    /** Creates the compacted checkpoint topic when missing (1 partition: one small entry per file per node). */
    static void ensureCheckpointTopic(String bootstrap, String topic, Map<String, Object> clientOverrides) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.putAll(clientOverrides);
        try (Admin admin = Admin.create(p)) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (names.contains(topic)) return;
            NewTopic t = new NewTopic(topic, Optional.of(1), Optional.empty()).configs(Map.of(
                    "cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1", "segment.ms", "3600000",
                    "delete.retention.ms", "86400000"));
            try {
                admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the checkpoint topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Checkpoint> restore() {
        Map<String, Checkpoint> out = new HashMap<>();
        String prefix = node + "|";
        CommittedTopicReader.readToEnd(bootstrap, checkpointTopic, clientOverrides, Duration.ofMinutes(2), r -> {
            if (r.key() == null || !r.key().startsWith(prefix)) return;
            if (r.value() == null) out.remove(r.key());
            else out.put(r.key(), CHECKPOINT.decode(r.value()));
        });
        LOG.info("restored {} checkpoints of node {} from {}", out.size(), node, checkpointTopic);
        return out;
    }

    private void begin() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
    }

    @Override
    public void line(RawLogLine line, long timestampMillis) {
        begin();
        producer.send(new ProducerRecord<>(rawTopic, null, timestampMillis, line.key(), RAW.encode(line)));
    }

    @Override
    public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
        begin();
        producer.send(new ProducerRecord<>(deadLetterTopic, null, timestampMillis, key, DLQ.encode(deadLetter)));
    }

    @Override
    public void checkpoint(String key, Checkpoint checkpoint) {
        begin();
        producer.send(new ProducerRecord<>(checkpointTopic, key, checkpoint == null ? null : CHECKPOINT.encode(checkpoint)));
    }

    @Override
    public void heartbeat(String instance, long upToMillis) {
        begin();
        Heartbeats.send(producer, rawTopic, instance, upToMillis);
    }

    @Override
    public void commit() {
        if (!inTransaction) return;
        producer.commitTransaction(); // flushes; throws when a send failed (the transaction is then not committed)
        inTransaction = false;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
