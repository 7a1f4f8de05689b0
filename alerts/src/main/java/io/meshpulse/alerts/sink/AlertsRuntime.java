package io.meshpulse.alerts.sink;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two things a command needs to run alerts: {@link #addTopology} (the sub-topology, inside the Streams
 * application) and {@link #startSinks} (a dispatcher thread that reads the alerts topic, read_committed, and hands
 * each record to the sinks, so that a slow webhook never stalls a stream thread).
 */
public final class AlertsRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertsRuntime.class);
    private static final JsonCodec<Alert> JSON = new JsonCodec<>(Alert.class);

    private final KafkaConsumer<String, String> consumer;
    private final List<AlertSink> sinks;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long dispatched;

    private AlertsRuntime(KafkaConsumer<String, String> consumer, List<AlertSink> sinks) {
        this.consumer = consumer;
        this.sinks = List.copyOf(sinks);
        this.thread = new Thread(this::loop, "meshpulse-alert-sinks");
        this.thread.setDaemon(true);
    }

    /**
     * Adds the alerts sub-topology to the stream {@code MeshpulseTopology.addTo} returned; alerts read their example
     * lines from the spine's {@code pair-exemplars} store.
     */
    public static KStream<String, Alert> addTopology(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                                     Topics topics, AlertSettings settings) {
        return AlertsTopology.addTo(builder, stats, topics, settings);
    }

    /** Adds the alerts sub-topology to the whole spine: closed windows and early looks. */
    public static KStream<String, Alert> addTopology(StreamsBuilder builder, MeshpulseTopology.Spine spine,
                                                     Topics topics, AlertSettings settings) {
        return AlertsTopology.addTo(builder, spine, topics, settings);
    }

    /** Starts reading {@code topics.alerts()} from the end (new alerts only) with a group of its own. */
    public static AlertsRuntime startSinks(String bootstrap, Topics topics, String groupId, List<AlertSink> sinks) {
        return startSinks(bootstrap, Map.of(), topics, groupId, sinks);
    }

    /** As {@link #startSinks(String, Topics, String, List)}, with Kafka client settings merged into the consumer's. */
    public static AlertsRuntime startSinks(String bootstrap, Map<String, ?> clientOverrides, Topics topics, String groupId,
                                           List<AlertSink> sinks) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        p.putAll(clientOverrides);
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        c.subscribe(List.of(topics.alerts()));
        AlertsRuntime r = new AlertsRuntime(c, new ArrayList<>(sinks));
        r.thread.start();
        return r;
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                    Alert a;
                    try {
                        a = JSON.decode(rec.value());
                    } catch (RuntimeException e) {
                        LOG.warn("skipping an undecodable alert record at {}-{}@{}: {}", rec.topic(), rec.partition(),
                                rec.offset(), e.getMessage());
                        continue;
                    }
                    for (AlertSink s : sinks) {
                        try {
                            s.accept(a);
                        } catch (RuntimeException e) {
                            LOG.warn("sink {} failed on {}: {}", s.getClass().getSimpleName(), a.fingerprint(), e.toString());
                        }
                    }
                    dispatched++;
                }
                Instant now = Instant.now();
                for (AlertSink s : sinks) {
                    try {
                        s.tick(now);
                    } catch (RuntimeException e) {
                        LOG.warn("sink {} tick failed: {}", s.getClass().getSimpleName(), e.toString());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    public long dispatched() {
        return dispatched;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
        for (AlertSink s : sinks) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.warn("closing sink: {}", e.toString());
            }
        }
    }
}
