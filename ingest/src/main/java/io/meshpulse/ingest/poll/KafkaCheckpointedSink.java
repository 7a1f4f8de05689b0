package io.meshpulse.ingest.poll;

import io.meshpulse.ingest.kafka.CommittedTopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records and checkpoint in one Kafka transaction. The checkpoint is a record keyed by the poller's identity in a
 * compacted topic; on start it is read back with {@code read_committed}, so only checkpoints whose records were
 * committed with them are ever seen. The transactional id is derived from the same identity: a second instance
 * of the same poller fences the first (a zombie left by a crash cannot commit after its successor started).
 */
public final class KafkaCheckpointedSink implements CheckpointedSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaCheckpointedSink.class);

    private final String bootstrap;
    private final String checkpointTopic;
    private final String checkpointKey;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, ?> clientOverrides;

    public KafkaCheckpointedSink(String bootstrapServers, String checkpointTopic, String checkpointKey) {
        this(bootstrapServers, checkpointTopic, checkpointKey, Map.of());
    }

    /** @param clientOverrides Kafka client settings merged over meshpulse's own in the producer and the consumer */
    public KafkaCheckpointedSink(String bootstrapServers, String checkpointTopic, String checkpointKey,
                                 Map<String, ?> clientOverrides) {
        this.bootstrap = bootstrapServers;
        this.clientOverrides = Map.copyOf(clientOverrides);
        this.checkpointTopic = checkpointTopic;
        this.checkpointKey = checkpointKey;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(checkpointKey));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.putAll(clientOverrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        // Aborts whatever a crashed predecessor with the same id left open, and fences it.
        producer.initTransactions();
    }

    /**
     * The transactional id of the poller with this identity. Public so that a test (or an operator's tool) can
     * fence a crashed poller the way its successor would, which completes whatever transaction it left open.
     */
    public static String transactionalId(String checkpointKey) {
        return "meshpulse-poll-" + UUID.nameUUIDFromBytes(checkpointKey.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String restore() {
        String[] latest = {null};
        CommittedTopicReader.readToEnd(bootstrap, checkpointTopic, clientOverrides, Duration.ofSeconds(60), r -> {
            if (checkpointKey.equals(r.key())) {
                latest[0] = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
            }
        });
        return latest[0];
    }

    @Override
    public void commit(Batch batch) {
        try {
            producer.beginTransaction();
            Future<RecordMetadata> last = null;
            for (ProducerRecord<String, byte[]> r : batch.records()) last = producer.send(r);
            producer.send(new ProducerRecord<>(checkpointTopic, checkpointKey,
                    batch.checkpoint().getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
            if (last != null) last.get(); // surfaces a send error that commitTransaction reported only as abortable
        } catch (ProducerFencedException e) {
            throw new IllegalStateException("another instance of this poller (" + checkpointKey
                    + ") took over: stopping this one", e);
        } catch (KafkaException e) {
            abortQuietly();
            throw new PollException(PollException.Kind.KAFKA, "could not commit to Kafka: " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PollException(PollException.Kind.KAFKA, "interrupted while committing", null, e);
        } catch (ExecutionException e) {
            throw new PollException(PollException.Kind.KAFKA, "send failed: " + e.getCause(), null, e);
        }
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            LOG.debug("abort after a failed commit also failed", e);
        }
    }

    @Override
    public int partitions(String topic) {
        return producer.partitionsFor(topic).size();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
