package io.meshpulse.app.serve;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the committed pair windows and dead letters (read_committed: a window counts once, even when a
 * transaction is retried) and turns them into metrics. Every instance reads every partition — the topics carry
 * aggregates, so that is cheap — which gives each instance the stream clock (the newest window end) that relative
 * triage queries ({@code since=15m}) are measured from; each pair is counted only by the instance that owns it.
 *
 * <p>Live, counting starts at the end of the topics (counters start at zero like any restarted process); a
 * replay counts from the beginning. The records before the start still set the clock.
 */
final class StatsFeed implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsFeed.class);
    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);
    private static final JsonCodec<DeadLetter> DEAD = new JsonCodec<>(DeadLetter.class);
    /** Records read back per partition at start to find the clock. */
    private static final int CLOCK_LOOKBACK = 256;

    private final KafkaConsumer<String, String> consumer;
    private final String statsTopic;
    private final Ownership ownership;
    private final PairMetrics pairs;
    private final MeterRegistry registry;
    private final Map<TopicPartition, Long> countFrom = new HashMap<>();
    private final Map<String, Counter> deadByKind = new ConcurrentHashMap<>();
    private final Counter windows;
    private final Counter linesCounted;
    private final Counter feedErrors;
    private volatile long clockMs = Long.MIN_VALUE;
    private volatile double lastDelaySeconds = Double.NaN;
    private volatile boolean running = true;
    private volatile boolean caughtUp;

    StatsFeed(String bootstrap, Map<String, ?> clientOverrides, Topics topics, Ownership ownership, PairMetrics pairs,
              MeterRegistry registry, boolean fromStart) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "meshpulse-serve-feed-" + ownership.self().port());
        p.putAll(clientOverrides);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        this.statsTopic = topics.pairStats();
        this.ownership = ownership;
        this.pairs = pairs;
        this.registry = registry;
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(topics.pairStats(), topics.deadLetters())) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(parts);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
        for (TopicPartition tp : parts) {
            long from = fromStart ? begin.get(tp) : end.get(tp);
            countFrom.put(tp, from);
            boolean stats = tp.topic().equals(statsTopic);
            consumer.seek(tp, stats ? Math.max(begin.get(tp), Math.min(from, end.get(tp) - CLOCK_LOOKBACK)) : from);
        }
        this.windows = Counter.builder("meshpulse.pipeline.windows")
                .description("Closed pair windows emitted by the topology (this instance's pairs)").register(registry);
        this.linesCounted = Counter.builder("meshpulse.pipeline.lines.counted")
                .description("Access-log lines counted into closed pair windows (this instance's pairs)").register(registry);
        this.feedErrors = Counter.builder("meshpulse.pipeline.feed.errors")
                .description("Records on the pair-stats or dead-letter topic that could not be decoded").register(registry);
        Gauge.builder("meshpulse.pipeline.stream.time", this, f -> f.clockMs == Long.MIN_VALUE ? Double.NaN : f.clockMs / 1000.0)
                .baseUnit("seconds").description("End of the newest closed window (event time), as Unix time")
                .register(registry);
        Gauge.builder("meshpulse.pipeline.window.delay", this, f -> f.lastDelaySeconds).baseUnit("seconds")
                .description("Wall-clock time between a window's end and its arrival on the pair-stats topic, newest window")
                .register(registry);
    }

    /** The end of the newest closed window seen on any partition, or {@link Long#MIN_VALUE} before the first. */
    long clockMs() {
        return clockMs;
    }

    /** True once the feed has read up to the topics' end as it was at start. */
    boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (!ownership.running()) {
                    // Ownership is decided on stable metadata only; the records wait in the topic meanwhile.
                    Thread.sleep(100);
                    continue;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    handle(r);
                }
                if (!caughtUp) caughtUp = consumer.assignment().stream().allMatch(tp -> {
                    Long lag = consumer.currentLag(tp).orElse(1L);
                    return lag == 0;
                });
                if (clockMs != Long.MIN_VALUE) pairs.sweep(clockMs);
                pairs.release(); // new series whose hold ran out while nobody scraped
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("metrics feed stopped: {}", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecord<String, String> r) {
        boolean count = r.offset() >= countFrom.get(new TopicPartition(r.topic(), r.partition()));
        try {
            if (r.topic().equals(statsTopic)) {
                PairWindowStats s = STATS.decode(r.value());
                long end = Instant.parse(s.windowEnd()).toEpochMilli();
                if (end > clockMs) clockMs = end;
                if (!count) return;
                if (ownership.ownsPair(r.key())) {
                    pairs.accept(r.key(), s, end);
                    windows.increment();
                    linesCounted.increment(s.requests());
                    lastDelaySeconds = Math.max(0, System.currentTimeMillis() - end) / 1000.0;
                } else if (pairs.isTracked(r.key())) {
                    pairs.drop(r.key()); // moved to another instance, which counts it from now on
                }
            } else if (count && ownership.ownsInstanceWide()) {
                DeadLetter d = DEAD.decode(r.value());
                String kind = d.kind() == null ? "unknown" : d.kind();
                deadByKind.computeIfAbsent(kind, k -> Counter.builder("meshpulse.pipeline.dead.letters")
                        .description("Records sent to the dead-letter topic, by kind").tag("kind", k)
                        .register(registry)).increment();
            }
        } catch (RuntimeException e) {
            feedErrors.increment();
            LOG.warn("cannot read {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
