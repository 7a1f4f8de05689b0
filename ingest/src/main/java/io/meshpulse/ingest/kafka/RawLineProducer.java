package io.meshpulse.ingest.kafka;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends raw lines to the raw topic, keyed by {@code namespace/pod} so that a pod's lines stay in order.
 * Idempotent, acks=all, lz4, large batches: the settings measured fastest on one machine.
 */
public final class RawLineProducer implements AutoCloseable {
    /** Header marking a control record; must match the topology's {@code Names.CONTROL_HEADER}. */
    public static final String CONTROL_HEADER = "meshpulse-control";
    public static final String END_OF_INPUT = "end-of-input";
    /** Control value asking every task to commit once it has read the record; must match {@code Names.COMMIT_NOW}. */
    public static final String COMMIT_NOW = "commit-now";
    /**
     * Header on an end-of-input record saying that the sender has seen the IP table hold every IP its lines announced
     * (see {@code IpTableSettle}); must match the topology's {@code Names.IP_TABLE_SETTLED_HEADER}.
     */
    public static final String IP_TABLE_SETTLED_HEADER = "meshpulse-ip-table-settled";

    private static final JsonCodec<RawLogLine> CODEC = new JsonCodec<>(RawLogLine.class);
    private static final JsonCodec<DeadLetter> DEAD = new JsonCodec<>(DeadLetter.class);
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private long sent;

    public RawLineProducer(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, Map.of());
    }

    /** @param clientOverrides Kafka client settings merged over meshpulse's own (e.g. security settings) */
    public RawLineProducer(String bootstrapServers, String topic, Map<String, ?> clientOverrides) {
        this.producer = new KafkaProducer<>(config(bootstrapServers, clientOverrides), new StringSerializer(),
                new ByteArraySerializer());
        this.topic = topic;
    }

    /** The producer's settings: meshpulse's, then {@code clientOverrides} over them. */
    public static Properties config(String bootstrapServers, Map<String, ?> clientOverrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        p.putAll(clientOverrides);
        return p;
    }

    public void send(RawLogLine line, long timestampMillis) {
        Exception f = failure.get();
        if (f != null) throw new IllegalStateException("producing to " + topic + " failed: " + f.getMessage(), f);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, null, timestampMillis, line.key(), CODEC.encode(line));
        producer.send(r, (md, e) -> {
            if (e != null) failure.compareAndSet(null, e);
        });
        sent++;
    }

    /** Sends a dead letter (a line that cannot go to the raw topic) to {@code deadLetterTopic}, keyed like its input. */
    public void deadLetter(String deadLetterTopic, String key, DeadLetter deadLetter, long timestampMillis) {
        Exception f = failure.get();
        if (f != null) throw new IllegalStateException("producing to " + topic + " failed: " + f.getMessage(), f);
        producer.send(new ProducerRecord<>(deadLetterTopic, null, timestampMillis, key, DEAD.encode(deadLetter)),
                (md, e) -> {
                    if (e != null) failure.compareAndSet(null, e);
                });
    }

    /**
     * Tells every task of the topology that this input is complete, so that it closes all its windows after the
     * close delay (which gives the other tasks' last IP announcements time to reach the IP table).
     */
    public void endOfInput(long timestampMillis) {
        endOfInput(timestampMillis, false);
    }

    /**
     * As {@link #endOfInput(long)}; with {@code ipTableSettled} the caller has made sure that the IP table holds every
     * IP announced by the lines before this record, and the tasks close their windows at once.
     */
    public void endOfInput(long timestampMillis, boolean ipTableSettled) {
        RecordHeaders h = new RecordHeaders();
        h.add(CONTROL_HEADER, END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
        if (ipTableSettled) h.add(IP_TABLE_SETTLED_HEADER, new byte[] {1});
        sendControl(h, timestampMillis);
    }

    /**
     * Asks every task of the topology to commit as soon as it has read this record (and so every line sent before it),
     * rather than at its next commit interval; then flushes.
     */
    public void commitNow(long timestampMillis) {
        RecordHeaders h = new RecordHeaders();
        h.add(CONTROL_HEADER, COMMIT_NOW.getBytes(StandardCharsets.UTF_8));
        sendControl(h, timestampMillis);
    }

    /** A control record with headers {@code h} to every partition (each task reads its own), then a flush. */
    private void sendControl(RecordHeaders h, long timestampMillis) {
        for (PartitionInfo pi : producer.partitionsFor(topic)) {
            producer.send(new ProducerRecord<>(topic, pi.partition(), timestampMillis, "control", new byte[0], h));
        }
        flush();
    }

    public void flush() {
        producer.flush();
        Exception f = failure.get();
        if (f != null) throw new IllegalStateException("producing to " + topic + " failed: " + f.getMessage(), f);
    }

    public long sent() {
        return sent;
    }

    /**
     * Closes, waiting up to {@code timeout} for what was sent to be delivered (a shutdown hook's way: the producer's
     * sender thread dies with the JVM, and what it still buffers with it). Returns null when every send was
     * delivered, else why not (records still unsent at the timeout fail with it).
     */
    public String closeWithin(Duration timeout) {
        producer.close(timeout);
        Exception f = failure.get();
        return f == null ? null : f.toString();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
