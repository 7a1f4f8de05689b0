package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.loganalytics.LogAnalyticsPoller;
import io.meshpulse.ingest.poll.KafkaCheckpointedSink;
import io.meshpulse.ingest.prometheus.PromQueries;
import io.meshpulse.ingest.prometheus.PrometheusPoller;
import io.meshpulse.model.Json;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two pollers ({@code meshpulse ingest log-analytics}, {@code meshpulse ingest prometheus}), each run as a
 * child process of the built command on a real embedded broker while its source keeps producing data, killed with
 * SIGKILL four times (during start-up, just after the source answered, as soon as its output or its checkpoint
 * became visible: see {@link Kill}) and restarted each time. Then the source stops at a known instant, one last
 * run catches up past it, and the output topic, read committed, must hold every row or sample of the source from
 * the first poll to that instant exactly once.
 *
 * <p>Log Analytics is a local replay of its query API ({@link LogAnalyticsReplay}); Prometheus is the real one
 * ({@link PrometheusWithIstio}), and what it answers for the whole range afterwards is the expected content.
 */
class PollerKillNineIT {
    private static final String PREFIX = "it.";
    private static final Topics TOPICS = Topics.withPrefix(PREFIX);
    private static final String CHECKPOINTS = PREFIX + "ingest.checkpoints";
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);
    private static final JsonCodec<MetricSample> SAMPLES = new JsonCodec<>(MetricSample.class);
    private static final Pattern ROW_ID = Pattern.compile("^row-(\\d+) ");

    @Test
    void logAnalyticsRowsExactlyOnceAcrossKillNine(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp)
            throws Exception {
        long seed = Long.getLong("meshpulse.it.seed", 20261122L);
        Laps laps = new Laps();
        try (EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("kafka"), 0);
             LogAnalyticsReplay la = LogAnalyticsReplay.start(tmp, seed)) {
            createTopics(broker.bootstrapServers());
            Duration overlap = Duration.ofSeconds(2);
            String key = LogAnalyticsPoller.checkpointKey(new LogAnalyticsPoller.Options(LogAnalyticsReplay.WORKSPACE,
                    List.of("istio-proxy"), overlap, Duration.ofSeconds(10), Duration.ofSeconds(5), 1000, 30_000,
                    TOPICS.rawAccessLog()));
            // At about 200 rows a second, max-rows holds one overlap's rows (about 400) but not the backlog nor a
            // restart's gap: those polls are cut at the limit and continue from their last row.
            Child child = new Child(tmp, "log-analytics", la.javaOptions(), la.environment(), List.of(
                    "ingest", "log-analytics", "--workspace-id", LogAnalyticsReplay.WORKSPACE, "--endpoint", la.endpoint(),
                    "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", PREFIX,
                    "--overlap", overlap.toSeconds() + "s", "--lookback", "10s", "--max-span", "5s",
                    "--max-rows", "1000", "--interval", "250ms"));
            laps.lap("start");
            try (CheckpointWatch watch = new CheckpointWatch(broker.bootstrapServers(), key)) {
                List<String> kills = killRepeatedly(child, broker.bootstrapServers(), TOPICS.rawAccessLog(), watch,
                        la::answers, 1, new Random(seed));
                laps.lap("kills");
                Instant end = la.endNow();
                Instant settled = end.plus(LogAnalyticsReplay.MAX_DELAY);
                runUntil(broker.bootstrapServers(), child, watch,
                        cp -> Instant.parse(cp.path("cursor").asText()).isAfter(settled), Duration.ofSeconds(60));
                laps.lap("last run");

                Map<Integer, LogAnalyticsReplay.Row> rows = new HashMap<>();
                Map<Integer, Integer> want = new TreeMap<>();
                for (LogAnalyticsReplay.Row r : la.expected()) {
                    rows.put(r.id(), r);
                    want.merge(r.id(), 1, Integer::sum);
                }
                Map<Integer, Integer> got = new TreeMap<>();
                int misread = 0;
                String firstMisread = "";
                Map<Integer, Instant> heartbeat = new HashMap<>();
                int heartbeats = 0;
                String olderThanHeartbeat = null;
                for (ConsumerRecord<String, byte[]> rec : readAll(broker.bootstrapServers(), TOPICS.rawAccessLog())) {
                    if (rec.headers().lastHeader("meshpulse-control") != null) {
                        // "no row written before T still to come": on its partition, no later row may be older
                        heartbeat.merge(rec.partition(), Instant.parse(new String(rec.value(), StandardCharsets.UTF_8)),
                                (a, b) -> a.isAfter(b) ? a : b);
                        heartbeats++;
                        continue;
                    }
                    RawLogLine l = RAW.decode(rec.value());
                    Instant beat = heartbeat.get(rec.partition());
                    if (beat != null && Instant.parse(l.ts()).isBefore(beat) && olderThanHeartbeat == null) {
                        olderThanHeartbeat = l.ts() + " after a heartbeat at " + beat + " on partition " + rec.partition();
                    }
                    Matcher m = ROW_ID.matcher(l.line());
                    int id = m.find() ? Integer.parseInt(m.group(1)) : -1;
                    got.merge(id, 1, Integer::sum);
                    LogAnalyticsReplay.Row r = rows.get(id);
                    if (r == null || !r.message().equals(l.line()) || !r.time().toString().equals(l.ts())
                            || !r.pod().equals(l.pod()) || !("shop/" + r.pod()).equals(rec.key())) {
                        if (misread++ == 0) firstMisread = rec.key() + " " + l + " for " + r;
                    }
                }
                laps.lap("read");
                Instant from = la.firstFrom();
                String report = String.format("seed %d: %d rows after %s up to %s, %d queries answered; %s; %s",
                        seed, want.values().stream().mapToInt(Integer::intValue).sum(), from, end, la.answers(),
                        String.join("; ", kills), laps);
                System.out.println("log-analytics: " + report);
                assertEquals(0, la.refused(), "requests the replay refused (token, query shape)");
                assertTrue(want.equals(got), "every row exactly once: " + difference(want, got, id -> "row-" + id
                        + (rows.containsKey(id) ? " at " + rows.get(id).time() : "")) + "\n" + report + "\nlogs in " + tmp);
                assertEquals(0, misread, "lines whose content, time, pod or key differ from the row's, first: "
                        + firstMisread);
                assertTrue(heartbeats > 0, "no heartbeat on the raw topic");
                assertEquals(null, olderThanHeartbeat, "a row older than a heartbeat before it");
                assertTrue(want.size() > 2000, "rows in the run: " + want.size());
            }
        }
    }

    @Test
    void prometheusSamplesExactlyOnceAcrossKillNine(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp)
            throws Exception {
        long seed = Long.getLong("meshpulse.it.seed", 1122L);
        Duration step = Duration.ofSeconds(1);
        Laps laps = new Laps();
        try (PrometheusWithIstio prom = PrometheusWithIstio.start(tmp, seed);
             EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("kafka"), 0)) {
            createTopics(broker.bootstrapServers());
            prom.awaitScraping(Duration.ofSeconds(60));
            String key = PrometheusPoller.checkpointKey(new PrometheusPoller.Options(URI.create(prom.url()), step,
                    Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3), "", TOPICS.metricsSamples()));
            // A three-second max-range makes a restart's catch-up take several polls.
            Child child = new Child(tmp, "prometheus", List.of(), Map.of(), List.of(
                    "ingest", "prometheus", "--url", prom.url(), "--bootstrap-servers", broker.bootstrapServers(),
                    "--topic-prefix", PREFIX, "--step", step.toSeconds() + "s", "--lookback", "10s", "--delay", "2s",
                    "--max-range", "3s", "--interval", "250ms"));
            laps.lap("start");
            try (CheckpointWatch watch = new CheckpointWatch(broker.bootstrapServers(), key)) {
                List<String> kills = killRepeatedly(child, broker.bootstrapServers(), TOPICS.metricsSamples(), watch,
                        prom::answers, 2, new Random(seed));
                laps.lap("kills");
                // At least 30 s of samples, however quickly the kills went (a fast machine got through them with
                // 134 samples, under the 150 this test asks for to mean anything).
                long end = Math.floorDiv(Math.max(System.currentTimeMillis(), prom.firstStartMillis() + 30_000),
                        step.toMillis()) * step.toMillis();
                runUntil(broker.bootstrapServers(), child, watch,
                        cp -> Instant.parse(cp.path("upTo").asText()).toEpochMilli() >= end, Duration.ofSeconds(60));
                laps.lap("last run");

                long from = prom.firstStartMillis();
                Map<String, Double> want = new TreeMap<>();
                want.putAll(prom.reference(MetricSample.REQUESTS, PromQueries.requests(step.toSeconds(), ""), from,
                        end, step));
                want.putAll(prom.reference(MetricSample.DURATION_BUCKET,
                        PromQueries.durationBuckets(step.toSeconds(), ""), from, end, step));
                Map<String, Integer> times = new TreeMap<>();
                Map<String, Double> values = new HashMap<>();
                int ticks = 0;
                for (ConsumerRecord<String, byte[]> rec : readAll(broker.bootstrapServers(), TOPICS.metricsSamples())) {
                    if (rec.headers().lastHeader(PrometheusPoller.CONTROL_HEADER) != null) {
                        ticks++;
                        continue;
                    }
                    MetricSample s = SAMPLES.decode(rec.value());
                    if (Instant.parse(s.ts()).toEpochMilli() > end) continue;
                    String k = sampleKey(s.metric(), s.pairKey(), s.code() == null ? null : s.code().toString(),
                            s.flags(), s.le(), s.ts());
                    times.merge(k, 1, Integer::sum);
                    values.put(k, s.value());
                }
                laps.lap("read");
                Map<String, Integer> wantTimes = new TreeMap<>();
                want.keySet().forEach(k -> wantTimes.put(k, 1));
                long differentValue = want.entrySet().stream()
                        .filter(e -> values.containsKey(e.getKey()) && !e.getValue().equals(values.get(e.getKey())))
                        .count();
                String report = String.format("seed %d: %d samples from %s to %s, %d queries answered, %d ticks; "
                        + "%s; %s", seed, want.size(), Instant.ofEpochMilli(from), Instant.ofEpochMilli(end),
                        prom.answers(), ticks, String.join("; ", kills), laps);
                System.out.println("prometheus: " + report);
                assertTrue(wantTimes.equals(times), "every sample Prometheus has exactly once: "
                        + difference(wantTimes, times, k -> k) + "\n" + report + "\nlogs in " + tmp);
                assertEquals(0, differentValue, "samples whose value differs from Prometheus' own answer afterwards");
                assertTrue(want.size() > 150, "samples in the run: " + want.size());
            }
        }
    }

    /** The identity of one sample: what it counts, for which pair and series, at which step. */
    static String sampleKey(String metric, String pairKey, String code, String flags, String le, String ts) {
        return ts + " " + metric + " " + pairKey + " code=" + code + " flags=" + flags + " le=" + le;
    }

    private static void createTopics(String bootstrap) {
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(TOPICS, 3, Optional.of((short) 1));
        }
    }

    /** When a run is killed. */
    private enum Kill {
        /** At a random instant of its first 2.7 s: loading, creating the checkpoint topic, fencing, restoring. */
        START_UP,
        /** A random 0-40 ms after the source answered the last query of its first, second or third poll. */
        ANSWER,
        /** As soon as records it sent become visible to a read_committed consumer. */
        OUTPUT,
        /** As soon as a new checkpoint of it becomes visible to a read_committed consumer. */
        CHECKPOINT
    }

    /**
     * Starts the poller once per {@link Kill} kind, in a seeded order, and kills each run with SIGKILL. The first
     * run commits a poll before it is killed, so that every later run has a checkpoint to restore (without one a
     * poller starts afresh at its lookback, and what it skipped would not be a loss); it is never the start-up
     * kill. The answer kill lands while a batch is built, sent or committed; the output and checkpoint kills land
     * right after one of the two became visible, where a poller that committed them separately would lose or
     * repeat a batch. The seed is {@code -Dmeshpulse.it.seed} when given, to try other instants or repeat a
     * failure.
     */
    private static List<String> killRepeatedly(Child child, String bootstrap, String output, CheckpointWatch watch,
                                               IntSupplier answers, int queriesPerPoll, Random rnd) throws Exception {
        List<Kill> kinds = new ArrayList<>(List.of(Kill.ANSWER, Kill.OUTPUT, Kill.CHECKPOINT));
        Collections.shuffle(kinds, rnd);
        kinds.add(1 + rnd.nextInt(kinds.size()), Kill.START_UP);
        List<String> log = new ArrayList<>();
        for (int k = 0; k < kinds.size(); k++) {
            String run = "run-" + k;
            long started = System.nanoTime();
            Process p = child.start(run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            if (k == 0) {
                while (watch.latest(p) == null) alive(p, deadline, "a first checkpoint", child.log(run));
            }
            int before = answers.getAsInt();
            String when;
            switch (kinds.get(k)) {
                case START_UP -> {
                    int ms = 200 + rnd.nextInt(2500);
                    waitAlive(p, started + TimeUnit.MILLISECONDS.toNanos(ms));
                    when = "at a random " + ms + " ms";
                }
                case ANSWER -> {
                    int n = queriesPerPoll * (1 + rnd.nextInt(3));
                    int extra = rnd.nextInt(40);
                    while (answers.getAsInt() < before + n) {
                        alive(p, deadline, "answer " + n, child.log(run));
                        p.waitFor(2, TimeUnit.MILLISECONDS);
                    }
                    waitAlive(p, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(extra));
                    when = extra + " ms after answer " + n;
                }
                case OUTPUT -> {
                    try (TopicWatch out = new TopicWatch(bootstrap, output, true)) {
                        while (out.poll(p).isEmpty()) alive(p, deadline, "committed output", child.log(run));
                    }
                    when = "on new committed output";
                }
                case CHECKPOINT -> {
                    JsonNode was = watch.latest(p);
                    JsonNode now;
                    while ((now = watch.latest(p)) == null || now.equals(was)) {
                        alive(p, deadline, "a new checkpoint", child.log(run));
                    }
                    when = "on a new committed checkpoint";
                }
                default -> throw new IllegalStateException();
            }
            if (k == 0) when += " (after its first commit)";
            assertTrue(p.isAlive(), "the poller died on its own: see " + child.log(run));
            p.toHandle().destroyForcibly();
            p.waitFor();
            log.add(String.format("run %d killed %s, %d ms after start, %d answers", k, when,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), answers.getAsInt() - before));
        }
        return log;
    }

    private static void alive(Process p, long deadline, String waitingFor, Path log) {
        assertTrue(p.isAlive(), "the poller died on its own: see " + log);
        assertTrue(System.nanoTime() < deadline, "no " + waitingFor + " within a minute: see " + log);
    }

    /** Waits until {@code at} (System.nanoTime) unless the process ends first. */
    private static void waitAlive(Process p, long at) throws InterruptedException {
        long left;
        while ((left = at - System.nanoTime()) > 0 && p.isAlive()) p.waitFor(left, TimeUnit.NANOSECONDS);
    }

    /**
     * One last run until its committed checkpoint satisfies {@code done}; then it is killed too, and its
     * transactional id fenced, as its successor would: whatever transaction it had open is aborted, so the topic
     * can be read to its end.
     */
    private static void runUntil(String bootstrap, Child child, CheckpointWatch watch, Predicate<JsonNode> done,
                                 Duration timeout) throws Exception {
        Process last = child.start("last");
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            JsonNode latest;
            while ((latest = watch.latest(last)) == null || !done.test(latest)) {
                assertTrue(last.isAlive(), "the last run died on its own: see " + child.log("last"));
                assertTrue(System.nanoTime() < deadline, "the last run did not get there within " + timeout
                        + "; its checkpoint is " + latest + "; see " + child.log("last"));
            }
        } finally {
            last.toHandle().destroyForcibly();
            last.waitFor();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaCheckpointedSink.transactionalId(watch.key));
        try (KafkaProducer<byte[], byte[]> fence = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            fence.initTransactions();
        }
    }

    /** A topic's committed records, read as they come ({@code read_committed}). */
    private static final class TopicWatch implements AutoCloseable {
        private final String topic;
        private final boolean fromEnd;
        private final KafkaConsumer<String, byte[]> consumer;

        /** @param fromEnd only records committed from now on, else all */
        TopicWatch(String bootstrap, String topic, boolean fromEnd) {
            this.topic = topic;
            this.fromEnd = fromEnd;
            this.consumer = consumer(bootstrap);
        }

        /** Records committed since the last call; waits at most about 100 ms for some, or until {@code p} exits. */
        List<ConsumerRecord<String, byte[]>> poll(Process p) throws InterruptedException {
            if (consumer.assignment().isEmpty()) {
                List<PartitionInfo> parts = consumer.partitionsFor(topic);
                if (parts == null || parts.isEmpty()) { // the poller has not created it yet
                    p.waitFor(100, TimeUnit.MILLISECONDS);
                    return List.of();
                }
                List<TopicPartition> tps = parts.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(tps);
                if (fromEnd) {
                    consumer.seekToEnd(tps);
                    tps.forEach(consumer::position); // now, not at the first poll
                } else {
                    consumer.seekToBeginning(tps);
                }
            }
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            return out;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The poller's committed checkpoints. */
    private static final class CheckpointWatch implements AutoCloseable {
        final String key;
        private final TopicWatch topic;
        private JsonNode latest;

        CheckpointWatch(String bootstrap, String key) {
            this.key = key;
            this.topic = new TopicWatch(bootstrap, CHECKPOINTS, false);
        }

        /** The last checkpoint committed so far (null before the first); waits for news as {@link TopicWatch#poll}. */
        JsonNode latest(Process p) throws IOException, InterruptedException {
            for (ConsumerRecord<String, byte[]> r : topic.poll(p)) {
                if (key.equals(r.key())) latest = Json.MAPPER.readTree(r.value());
            }
            return latest;
        }

        @Override
        public void close() {
            topic.close();
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Every committed record of {@code topic}: nothing is open any more, so the end offsets are final. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(tps));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!end.isEmpty() && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                end.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
            }
            assertTrue(end.isEmpty(), "read to the end of " + topic + ": " + end);
        }
        return out;
    }

    /** What differs, in a few words and a few examples: the maps themselves hold thousands of entries. */
    static <K> String difference(Map<K, Integer> want, Map<K, Integer> got, Function<K, String> describe) {
        List<K> missing = new ArrayList<>();
        List<K> extra = new ArrayList<>();
        List<K> unknown = new ArrayList<>();
        long missingCount = 0;
        long extraCount = 0;
        for (Map.Entry<K, Integer> e : want.entrySet()) {
            int n = got.getOrDefault(e.getKey(), 0);
            if (n < e.getValue()) {
                missing.add(e.getKey());
                missingCount += e.getValue() - n;
            } else if (n > e.getValue()) {
                extra.add(e.getKey());
                extraCount += n - e.getValue();
            }
        }
        for (Map.Entry<K, Integer> e : got.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                unknown.add(e.getKey());
                extraCount += e.getValue();
            }
        }
        return String.format("%d expected, %d in Kafka; %d missing %s; %d more than expected %s; %d unexpected %s",
                want.values().stream().mapToLong(Integer::longValue).sum(),
                got.values().stream().mapToLong(Integer::longValue).sum(), missingCount, examples(missing, describe),
                extraCount, examples(extra, describe), unknown.size(), examples(unknown, describe));
    }

    private static <K> String examples(List<K> keys, Function<K, String> describe) {
        if (keys.isEmpty()) return "";
        List<String> shown = keys.stream().limit(5).map(describe).toList();
        return "(" + String.join(", ", shown) + (keys.size() > 5 ? ", … " + (keys.size() - 5) + " more" : "") + ")";
    }

    /** Where the time goes, for the report: the test has a budget of about half a minute per poller. */
    private static final class Laps {
        private final List<String> laps = new ArrayList<>();
        private long at = System.nanoTime();

        void lap(String name) {
            long now = System.nanoTime();
            laps.add(String.format("%s %.1f s", name, (now - at) / 1e9));
            at = now;
        }

        @Override
        public String toString() {
            return String.join(", ", laps);
        }
    }

    /** The poller command, started as a JVM of its own from the test's class path. */
    private record Child(Path dir, String name, List<String> javaOptions, Map<String, String> env, List<String> args) {
        Process start(String run) throws IOException {
            List<String> jvm = new ArrayList<>(MeshpulseProcess.SMALL_JVM);
            jvm.addAll(javaOptions);
            return MeshpulseProcess.start(jvm, env, args, log(run));
        }

        Path log(String run) {
            return dir.resolve(name + "-" + run + ".log");
        }
    }
}
