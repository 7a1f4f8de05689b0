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
 *
 * <p>A tailer killed in the middle of a transaction (kill -9, a node lost) leaves it open, and until it ends every raw
 * partition it wrote is unreadable for exactly-once readers from there on: ended at once by a restarted tailer,
 * otherwise by the broker at {@code transaction.timeout.ms}. That is {@link #TRANSACTION_TIMEOUT_MS}, short, which the
 * tailer's cycles being bounded in time ({@link TailConfig#maxCycle}) allows. A transaction the broker aborted at its
 * timeout (a broker away or too slow for longer) is reported by the client as fenced; this sink tells that apart by
 * the transaction's age and throws {@link TransactionExpiredException}, so that the tailer resumes instead of
 * stopping.
 */
public final class KafkaTailSink implements TailSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTailSink.class);
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);
    private static final JsonCodec<DeadLetter> DLQ = new JsonCodec<>(DeadLetter.class);
    private static final JsonCodec<Checkpoint> CHECKPOINT = new JsonCodec<>(Checkpoint.class);

    /** Default name of the compacted topic holding the positions. */
    public static final String CHECKPOINT_TOPIC = "meshpulse.ingest.checkpoints";

    /**
     * The producer's {@code transaction.timeout.ms} (a Kafka client setting may replace it): three times the longest
     * a cycle takes lines ({@link TailConfig#DEFAULT_MAX_CYCLE}), leaving the commit two thirds of it to flush what
     * the producer still buffers. It is how long a tailer killed mid-transaction, and not restarted, holds the raw
     * partitions (plus up to {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}, 10 s by default,
     * for the broker to notice).
     */
    public static final int TRANSACTION_TIMEOUT_MS = 15_000;

    private final String bootstrap;
    private final String rawTopic;
    private final String deadLetterTopic;
    private final String checkpointTopic;
    private final String node;
    private final Producer<String, byte[]> producer;
    private final Map<String, Object> clientOverrides;
    private final long transactionTimeoutMs;
    private boolean inTransaction;
    /** When the open transaction began ({@link #clock}). */
    private long transactionStart;
    private java.util.function.LongSupplier clock = System::nanoTime;

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
        this.transactionTimeoutMs = transactionTimeoutMs(clientOverrides);
        this.producer = producer.get();
    }

    /** Replaces the clock, in nanoseconds, that a transaction's age is measured by (tests). */
    void clock(java.util.function.LongSupplier nanos) {
        this.clock = nanos;
    }

    /** The producer's transaction timeout: a client setting's, else {@link #TRANSACTION_TIMEOUT_MS}. */
    static long transactionTimeoutMs(Map<String, Object> clientOverrides) {
        Object v = clientOverrides.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        if (v == null) return TRANSACTION_TIMEOUT_MS;
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            return TRANSACTION_TIMEOUT_MS; // the producer refuses it when it starts
        }
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
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
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
            transactionStart = clock.getAsLong();
        }
    }

    /** Sends within the transaction, beginning one if none is open. */
    private void inTransaction(Runnable send) {
        try {
            begin();
            send.run();
        } catch (RuntimeException e) {
            throw expiredOr(e);
        }
    }

    @Override
    public void line(RawLogLine line, long timestampMillis) {
        inTransaction(() -> producer.send(
                new ProducerRecord<>(rawTopic, null, timestampMillis, line.key(), RAW.encode(line))));
    }

    @Override
    public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
        inTransaction(() -> producer.send(
                new ProducerRecord<>(deadLetterTopic, null, timestampMillis, key, DLQ.encode(deadLetter))));
    }

    @Override
    public void checkpoint(String key, Checkpoint checkpoint) {
        inTransaction(() -> producer.send(
                new ProducerRecord<>(checkpointTopic, key, checkpoint == null ? null : CHECKPOINT.encode(checkpoint))));
    }

    @Override
    public void heartbeat(String instance, long upToMillis) {
        inTransaction(() -> Heartbeats.send(producer, rawTopic, instance, upToMillis));
    }

    @Override
    public void commit() {
        if (!inTransaction) return;
        try {
            producer.commitTransaction(); // flushes; throws when a send failed (the transaction is then not committed)
        } catch (RuntimeException e) {
            throw expiredOr(e);
        }
        inTransaction = false;
    }

    /**
     * A fencing error on a transaction open for half its timeout or more is taken for the broker's abort at the
     * timeout ({@link TransactionExpiredException}). The broker counts from when the transaction reached it, after
     * it began here, so a younger one cannot have timed out; the half leaves room for the broker's clock. Another
     * tailer taking over the node while a transaction is that old is taken for an expiry once: the new producer then
     * fences that tailer in its turn, and whichever is fenced with a young transaction stops.
     */
    private RuntimeException expiredOr(RuntimeException e) {
        if (!inTransaction || !fenced(e)) return e;
        long openMs = (clock.getAsLong() - transactionStart) / 1_000_000;
        if (openMs < transactionTimeoutMs / 2) return e;
        return new TransactionExpiredException("the transaction of node " + node + " was refused as fenced ("
                + e.getClass().getSimpleName() + ") after being open for " + openMs + " ms, its timeout being "
                + transactionTimeoutMs + " ms: the broker aborted it at its timeout, most likely (it was away or too "
                + "slow); nothing of it was committed", e);
    }

    /**
     * Whether {@code e} says that this producer was fenced: another producer took the transactional id, or the
     * broker aborted the transaction at its timeout (see {@link TransactionExpiredException}, which is not fenced).
     */
    static boolean fenced(Throwable e) {
        if (TransactionExpiredException.in(e)) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.ProducerFencedException
                    || t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    /** The open transaction is left to the broker, which aborts it at its timeout (or when the next tailer starts). */
    @Override
    public void closeNow() {
        producer.close(Duration.ZERO);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
