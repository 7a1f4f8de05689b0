package io.meshpulse.app.replay;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the committed output of a run (pair stats and dead letters) and keeps the counts that tell when a replay
 * is complete: every line produced ends up either in exactly one pair window or in the dead-letter topic.
 *
 * <p>The consumer belongs to the collector's own thread ({@link #start}): that thread polls it and closes it.
 * {@link #close} from any other thread stops the loop, wakes the consumer and waits for the thread, so a replay
 * that fails half-way never touches the consumer from two threads.
 */
final class OutputCollector implements Runnable, AutoCloseable {
    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);
    private static final JsonCodec<DeadLetter> DEAD = new JsonCodec<>(DeadLetter.class);

    private final KafkaConsumer<String, String> consumer;
    private final String statsTopic;
    private final String alertsTopic;
    private final String ipTopic;
    private final Set<String> ipKeys = new HashSet<>();
    private final Consumer<PairWindowStats> onStats;
    private final List<String> alertLines = new ArrayList<>();
    private volatile long lastAlertNanos = System.nanoTime();
    private final List<String[]> statsLines = new ArrayList<>();
    private final List<String> deadLines = new ArrayList<>();
    private final Map<String, Long> deadByKind = new TreeMap<>();
    private final Set<String> pairs = new HashSet<>();
    private volatile boolean running = true;
    private volatile Exception failure;
    private Thread thread;
    private final List<TopicPartition> allParts = new ArrayList<>();
    /** The collector thread's position in each partition it reads (the next offset it will read). */
    private final Map<TopicPartition, Long> positions = new java.util.concurrent.ConcurrentHashMap<>();
    private long counted;
    private long dead;
    private long windows;

    OutputCollector(String bootstrap, String statsTopic, String deadTopic, Consumer<PairWindowStats> onStats) {
        this(bootstrap, statsTopic, deadTopic, null, onStats);
    }

    OutputCollector(String bootstrap, String statsTopic, String deadTopic, String alertsTopic,
                    Consumer<PairWindowStats> onStats) {
        this(bootstrap, statsTopic, deadTopic, alertsTopic, onStats, Map.of());
    }

    /** {@code kafka}: client settings merged over meshpulse's (security for an existing cluster). */
    OutputCollector(String bootstrap, String statsTopic, String deadTopic, String alertsTopic,
                    Consumer<PairWindowStats> onStats, Map<String, Object> kafka) {
        this(bootstrap, statsTopic, deadTopic, alertsTopic, null, onStats, kafka);
    }

    /**
     * @param ipTopic the IP topic, whose keys (IPs announced, with a value) it also keeps ({@link #ipKeys}); or null
     */
    OutputCollector(String bootstrap, String statsTopic, String deadTopic, String alertsTopic, String ipTopic,
                    Consumer<PairWindowStats> onStats, Map<String, Object> kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.putAll(kafka);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        this.statsTopic = statsTopic;
        this.alertsTopic = alertsTopic;
        this.ipTopic = ipTopic;
        this.onStats = onStats;
        List<TopicPartition> parts = new ArrayList<>();
        List<String> topics = new ArrayList<>(List.of(statsTopic, deadTopic));
        if (alertsTopic != null) topics.add(alertsTopic);
        if (ipTopic != null) topics.add(ipTopic);
        for (String t : topics) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        allParts.addAll(parts);
    }

    /** Starts reading on a daemon thread of its own. */
    synchronized void start() {
        if (thread != null) throw new IllegalStateException("already started");
        thread = new Thread(this, "meshpulse-replay-collector");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(statsTopic)) {
                        PairWindowStats s = STATS.decode(r.value());
                        synchronized (this) {
                            statsLines.add(new String[] {s.windowStart(), r.key(), r.value()});
                            counted += s.requests();
                            windows++;
                            pairs.add(r.key());
                        }
                        if (onStats != null) onStats.accept(s);
                    } else if (r.topic().equals(ipTopic)) {
                        if (r.key() != null && r.value() != null) {
                            synchronized (this) {
                                ipKeys.add(r.key());
                            }
                        }
                    } else if (r.topic().equals(alertsTopic)) {
                        synchronized (this) {
                            alertLines.add(r.value());
                        }
                        lastAlertNanos = System.nanoTime();
                    } else {
                        DeadLetter d = DEAD.decode(r.value());
                        synchronized (this) {
                            deadLines.add(r.value());
                            dead++;
                            deadByKind.merge(d.kind(), 1L, Long::sum);
                        }
                    }
                }
                for (TopicPartition tp : allParts) positions.put(tp, consumer.position(tp));
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            if (running) failure = e; // woken by close(): not a failure
        } catch (Exception e) {
            failure = e;
        } finally {
            // At once: a fetch still in flight would otherwise be waited for (up to fetch.max.wait.ms, 500 ms: about
            // 0.4 s at the end of every replay), and this consumer has no group and nothing to commit.
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
        }
    }

    /** The keys of the IP topic's records with a value read so far (see {@link #readTo} for how far). */
    synchronized Set<String> ipKeys() {
        return new HashSet<>(ipKeys);
    }

    synchronized long accountedLines() {
        return counted + dead;
    }

    synchronized long counted() {
        return counted;
    }

    synchronized long deadLetters() {
        return dead;
    }

    synchronized long windows() {
        return windows;
    }

    synchronized int pairs() {
        return pairs.size();
    }

    synchronized Map<String, Long> deadByKind() {
        return new TreeMap<>(deadByKind);
    }

    /** Pair stats sorted by window, then pair key: the same input gives the same file. */
    synchronized List<String> sortedStats() {
        List<String[]> copy = new ArrayList<>(statsLines);
        copy.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        return copy.stream().map(a -> a[2]).toList();
    }

    /** Whether each given partition has been read up to at least its offset (e.g. its committed end). */
    boolean readTo(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            Long at = positions.get(e.getKey());
            if (e.getValue() > 0 && (at == null || at < e.getValue())) return false;
        }
        return true;
    }

    long lastAlertNanos() {
        return lastAlertNanos;
    }

    /** Alert records in the order the topic holds them (per partition: per destination namespace). */
    synchronized List<String> alertLines() {
        return new ArrayList<>(alertLines);
    }

    synchronized List<String> deadLetterLines() {
        return new ArrayList<>(deadLines);
    }

    Exception failure() {
        return failure;
    }

    synchronized boolean threadAlive() {
        return thread != null && thread.isAlive();
    }

    /** Stops reading and waits (bounded) until the collector's thread has closed its consumer. */
    void stop() throws InterruptedException {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) return;
        consumer.wakeup(); // the one consumer method that is safe from another thread
        t.join(Duration.ofSeconds(30).toMillis());
    }

    @Override
    public void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            consumer.close(); // never started: this thread is the only one that touched it
        } else {
            stop();
        }
    }
}
