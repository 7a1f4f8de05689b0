package io.meshpulse.app.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a topology as a Kafka Streams application with meshpulse's settings: exactly-once, bounded RocksDB memory. */
public final class StreamsRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsRunner.class);

    private final KafkaStreams streams;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** Stops the application at a stream thread's first failure (replay, bench). */
    public StreamsRunner(Topology topology, Properties config) {
        this(topology, config, false);
    }

    /**
     * @param replaceFailedThreads replace a stream thread that failed, a bounded number of times (the live
     *                             application: see {@link ThreadFailurePolicy}); otherwise stop at the first failure
     */
    public StreamsRunner(Topology topology, Properties config, boolean replaceFailedThreads) {
        this.streams = new KafkaStreams(topology, config);
        ThreadFailurePolicy policy = replaceFailedThreads ? ThreadFailurePolicy.replaceBounded()
                : ThreadFailurePolicy.stopAtOnce();
        streams.setUncaughtExceptionHandler(e -> {
            var response = policy.onFailure();
            if (response == org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                    .StreamThreadExceptionResponse.REPLACE_THREAD) {
                LOG.error("stream thread failed, replacing it (its tasks start again from their last commit): {}",
                        e.toString(), e);
            } else {
                failure.compareAndSet(null, e);
                LOG.error("stream thread failed: {}", e.toString());
            }
            return response;
        });
    }

    /**
     * Streams settings. The commit interval bounds how late output appears (exactly-once makes it visible only at
     * commit); the record cache is what keeps per-line store updates off RocksDB between commits.
     */
    public static Properties config(String applicationId, String bootstrapServers, Path stateDir, int threads,
                                    short replication, long rocksDbMemoryBytes) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
        // One second: output (and alerts) appear at most a second after the windows close, and each transaction
        // carries five times more lines than at 200 ms (the transaction markers on every touched partition were the
        // parsing task's main wait when profiled).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
        p.put(BoundedRocksDbConfig.MEMORY_BYTES, rocksDbMemoryBytes);
        // max.poll.records stays at Kafka Streams' 1000: 5000 took about 1 s more CPU in a replay of a 1M-line mesh
        // (records polled long before they are processed are out of the cache by then); 500 was no better
        // (BENCHMARKS.md, session 24).
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 16 * 1024 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 10);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // Start-up: Kafka Streams waits for its internal topics by polling every retry.backoff.ms (100 ms by default;
        // about twenty topics that become ready one at a time took 1.8 s), initialises one task per poll.ms, and the
        // state updater takes in new tasks between restore-consumer fetches that wait fetch.max.wait.ms (500 ms) on
        // an empty changelog. With these values a replay's topology ran after 1.7-1.9 s instead of 4.4 s (BENCHMARKS.md,
        // session 14). The clients keep exponential backoff up to retry.backoff.max.ms (1 s); a 50 ms restore wait
        // bounds what idle standby tasks cost the brokers.
        p.put(StreamsConfig.RETRY_BACKOFF_MS_CONFIG, 10L);
        p.put(StreamsConfig.POLL_MS_CONFIG, 20L);
        p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
        // The processing exception handler (the default: log and fail) also for the IP table's global thread, as
        // Kafka Streams 5.0 will do (KIP-1270). With the default handler the outcome of an exception there is the
        // same (the application fails). Kafka Streams warns at every start where it reads a configuration without
        // it: the application's own, and the copy the main consumer's partition assignor builds from the consumer's
        // settings (which carry it only under the main-consumer prefix).
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
        return p;
    }

    /** Starts the application and waits until it is running. */
    public void start(Duration timeout) {
        startInBackground();
        awaitRunning(timeout);
    }

    /**
     * Starts the application without waiting: joining the group, creating the internal topics and the first
     * assignment take seconds, which a caller with records to produce can spend producing them (they wait in the
     * topic; Streams reads its input from the earliest offset).
     */
    public void startInBackground() {
        streams.start();
    }

    /** True while the application is running (not starting or rebalancing); throws when it failed. */
    public boolean running() {
        checkFailed();
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Waits until the application is running, or throws when it failed or {@code timeout} has passed. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            checkFailed();
            if (System.nanoTime() > deadline) throw new IllegalStateException("streams not running after " + timeout);
            try {
                Thread.sleep(50); // polling a state, not waiting for time to pass
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting", e);
            }
        }
    }

    public void checkFailed() {
        Throwable t = failure.get();
        if (t != null) throw new IllegalStateException("the topology failed: " + t.getMessage(), t);
        if (streams.state() == KafkaStreams.State.ERROR) throw new IllegalStateException("the topology is in ERROR state");
    }

    public KafkaStreams streams() {
        return streams;
    }

    /**
     * Stops the topology and leaves the consumer group, so that whoever takes over the tasks (the other instances,
     * or this one restarted) gets them at once rather than after the session timeout (45 s) has expired this member.
     */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
