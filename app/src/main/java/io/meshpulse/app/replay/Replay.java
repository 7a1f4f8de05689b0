package io.meshpulse.app.replay;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.sink.AlertsRuntime;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.Json;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code meshpulse replay}: kubelet log files → raw topic → topology → pair stats and dead letters, as files.
 * Runs against the given cluster, or a broker of its own. Topics and the application id are scoped to the run
 * ({@code meshpulse.replay-<id>.…}) so that a replay never mixes with live data or an earlier replay; they are
 * deleted afterwards unless kept.
 */
public final class Replay {
    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);

    public record Options(List<Path> inputs, Path out, Duration window, Duration grace, String bootstrapServers,
                          Path dataDir, int partitions, Set<String> containers, boolean keepTopics,
                          Duration completionTimeout, PrintStream progress, Consumer<PairWindowStats> onStats,
                          AlertSettings alerts, Map<String, Object> kafka) {
        /** {@code kafka}: client settings merged into every Kafka client (security for an existing cluster). */
        public Options {
            kafka = Map.copyOf(kafka);
        }

        public Options(List<Path> inputs, Path out, Duration window, Duration grace, String bootstrapServers,
                       Path dataDir, int partitions, Set<String> containers, boolean keepTopics,
                       Duration completionTimeout, PrintStream progress, Consumer<PairWindowStats> onStats,
                       AlertSettings alerts) {
            this(inputs, out, window, grace, bootstrapServers, dataDir, partitions, containers, keepTopics,
                    completionTimeout, progress, onStats, alerts, Map.of());
        }

        public Options(List<Path> inputs, Path out, Duration window, Duration grace, String bootstrapServers,
                       Path dataDir, int partitions, Set<String> containers, boolean keepTopics,
                       Duration completionTimeout, PrintStream progress, Consumer<PairWindowStats> onStats) {
            this(inputs, out, window, grace, bootstrapServers, dataDir, partitions, containers, keepTopics,
                    completionTimeout, progress, onStats, AlertSettings.defaults());
        }
    }

    public record Summary(Map<String, Object> fields) {
        public long get(String key) {
            return ((Number) fields.get(key)).longValue();
        }

        public boolean complete() {
            return Boolean.TRUE.equals(fields.get("complete"));
        }
    }

    /** Ways to join in a run: e.g. serve the running application over HTTP (see {@code io.meshpulse.app.serve}). */
    public interface Hooks {
        /** Called with the Streams settings before the application is created (e.g. to set application.server). */
        default void configure(Properties streamsConfig) {}

        /** Called once the application runs, before any line is sent. */
        default void onRunning(KafkaStreams streams, Topics topics, String bootstrapServers) {}

        /** Called once every line is accounted for, while the application still runs. */
        default void afterComplete(Summary summary) throws InterruptedException {}

        /**
         * Whether the run's stores will be queried (the HTTP API): only then are closed windows also kept in the
         * pair-stats window store, which nothing else reads ({@link Settings#statsQueries()}).
         */
        default boolean queriesStores() {
            return false;
        }
    }

    private static final Hooks NO_HOOKS = new Hooks() {};

    private Replay() {}

    public static Summary run(Options o) throws IOException, InterruptedException {
        return run(o, NO_HOOKS);
    }

    public static Summary run(Options o, Hooks hooks) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Files.createDirectories(o.out());
        List<String> skipped = new ArrayList<>();
        List<LogFileSet.ContainerLogFiles> logs = LogFileSet.discover(o.inputs(), o.containers(), skipped);
        skipped.forEach(s -> LOG.warn("skipped {}", s));
        int files = logs.stream().mapToInt(l -> l.files().size()).sum();
        LOG.info("replaying {} container logs ({} files)", logs.size(), files);

        String runId = UUID.randomUUID().toString().substring(0, 8);
        Topics topics = Topics.withPrefix("meshpulse.replay-" + runId + ".");
        String applicationId = "meshpulse-replay-" + runId;
        Path tmpData = null;
        Path stateDir = null;
        EmbeddedBroker broker = null;
        String bootstrap = o.bootstrapServers();
        try {
            if (bootstrap == null) {
                Path data = o.dataDir();
                if (data == null) data = tmpData = Files.createTempDirectory("meshpulse-replay-");
                broker = EmbeddedBroker.start(data, 0);
                bootstrap = broker.bootstrapServers();
            }
            Optional<Short> replication = broker != null ? Optional.of((short) 1) : Optional.empty();
            stateDir = Files.createTempDirectory("meshpulse-state-");
            try (TopicAdmin admin = new TopicAdmin(bootstrap, o.kafka())) {
                admin.ensure(topics, o.partitions(), replication, TopicAdmin.KEEP_OLD_RECORDS);
                admin.awaitLeaders(topics.all());
                int partitions = admin.partitions(topics.rawAccessLog());
                // A replay's state does not outlive it, so its internal topics may differ from run's: with one
                // partition the parsing task sums its partials itself, a tenth to a sixth less CPU (BENCHMARKS.md,
                // session 25).
                MeshpulseTopology.Wiring wiring = MeshpulseTopology.Wiring.leanestFor(partitions);
                Properties config = streamsConfig(applicationId, bootstrap, stateDir, replication.orElse((short) -1),
                        wiring);
                config.putAll(o.kafka());
                hooks.configure(config);
                Topology topology = topology(topics, o.window(), o.grace(), partitions, wiring, config, o.alerts(),
                        hooks.queriesStores());
                Summary summary;
                // One stream thread, on purpose. A replay's event time runs far ahead of the wall clock, and a
                // window's callers are resolved through the IP table when the window closes: one thread picks the
                // next record by timestamp across all parsing tasks, so they move through event time together and
                // each pod's IP is announced (and committed) before the windows that need it close. With one thread
                // per core the tasks drifted apart and a few hundred requests per replay were left attributed to bare
                // IPs (ReplayIT caught it). More threads need a replay that seeds the IP table first.
                try (StreamsRunner streams = new StreamsRunner(topology, config)) {
                    // The lines are sent while the topology starts (seconds: the group, its internal topics, the
                    // first assignment); they wait in the topic meanwhile.
                    LOG.info("topics ready; starting the topology and sending the lines");
                    streams.startInBackground();
                    boolean[] announced = {false};
                    String servers = bootstrap;
                    Runnable onRunning = () -> {
                        if (!streams.running() || announced[0]) return; // running() throws when it failed
                        announced[0] = true;
                        LOG.info("topology running");
                        hooks.onRunning(streams.streams(), topics, servers);
                    };
                    summary = pump(o, logs, topics, bootstrap, applicationId, wiring, streams, onRunning, started,
                            files, skipped);
                    hooks.afterComplete(summary);
                }
                LOG.info("topology stopped");
                if (!o.keepTopics()) {
                    admin.delete(topics.all());
                }
                return summary;
            }
        } finally {
            deleteRecursively(stateDir); // also when the replay failed: nothing in it outlives the run
            if (broker != null) broker.close();
            if (tmpData != null) deleteRecursively(tmpData);
        }
    }

    /**
     * A replay's topology: the spine in {@code wiring} with the alerts stage, over {@code partitions} raw partitions,
     * with the close delay of the final Streams settings {@code config} ({@link #closeDelay}). A replay ends with an
     * end-of-input marker, so no wall-clock advance is needed (or wanted: a slow reader must not close windows early).
     * With {@code statsQueries} closed windows are also kept for the HTTP API's queries ({@code --serve}).
     * Also what {@code bench} times alone.
     */
    public static Topology topology(Topics topics, Duration window, Duration grace, int partitions,
                                    MeshpulseTopology.Wiring wiring, Properties config, AlertSettings alerts,
                                    boolean statsQueries) {
        Settings settings = new Settings(window, grace, partitions, Duration.ofDays(1), Duration.ofSeconds(1),
                Duration.ofDays(3650)).withCloseDelay(closeDelay(config)).withStatsQueries(statsQueries);
        StreamsBuilder builder = new StreamsBuilder();
        MeshpulseTopology.Spine spine = MeshpulseTopology.add(builder, topics, settings, wiring);
        // no early looks in a replay (its settings send none): the closed windows, and in one task the end of input
        AlertsRuntime.addTopology(builder, new MeshpulseTopology.Spine(spine.windows(), null, spine.ends()), topics,
                alerts);
        return builder.build();
    }

    /**
     * How long a window waits, once its grace has passed, before it closes: the commit interval of {@code config}
     * plus a second. A window's callers are resolved through the IP table when it closes, and the parsing task's
     * own announcements of its pods' IPs reach that table only once they are committed (and the global thread has
     * read them): closing sooner could count a caller under its bare IP. Taken from the final settings, so that a
     * {@code --kafka commit.interval.ms=...} moves it too.
     */
    static Duration closeDelay(Properties config) {
        Object v = config.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        long commit = v == null ? 0 : Long.parseLong(v.toString().trim());
        return Duration.ofMillis(commit).plus(CLOSE_DELAY_MARGIN);
    }

    /** The global thread's poll and a commit that starts a little after its interval (a batch being processed). */
    private static final Duration CLOSE_DELAY_MARGIN = Duration.ofSeconds(1);

    /** The Kafka Streams settings of a replay (also those of {@code bench}'s Streams floor), for {@code wiring}. */
    public static Properties streamsConfig(String applicationId, String bootstrap, Path stateDir, short replication,
                                           MeshpulseTopology.Wiring wiring) {
        Properties config = StreamsRunner.config(applicationId, bootstrap, stateDir, 1, replication,
                128L * 1024 * 1024);
        // Tasks that read several topics (the pair windows with the metrics stage's inputs) wait for data on each one
        // by default, and Kafka Streams formats a log message per empty partition per record while deciding (about
        // 4 % of the stream thread here). A replay has no metrics input, so nothing to wait for.
        config.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // Commits every 2.5 s (4 s in one task) rather than every second. Each commit holds the stream thread for
        // 50-250 ms (the changelogs and the producer flushed, then the transaction ended): 17 of them took about 2.6 s
        // of a 1M-line replay. Nothing waits on the interval at the end (the input's last records ask for commits).
        // Repartitioned, the pair-keyed task sees the parsing task's partials only once they are committed, so a
        // longer interval leaves it more to do after the last line: at 5 s that cost as much as it saved
        // (BENCHMARKS.md, session 24). In one task nothing waits for the commit but the IP table, whose wait is the
        // close delay (closeDelay): a longer interval holds more windows open and leaves more to close at the end;
        // 3.5, 5 and 8 s measured alike (session 25).
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                wiring == MeshpulseTopology.Wiring.SINGLE_TASK ? 4000 : 2500);
        return config;
    }

    /**
     * Sends every line, then the end-of-input marker once the topology has taken them all, and waits for the output.
     * {@code onRunning} is called now and then until the topology is running (it acts once, when it is).
     */
    private static Summary pump(Options o, List<LogFileSet.ContainerLogFiles> logs, Topics topics, String bootstrap,
                                String applicationId, MeshpulseTopology.Wiring wiring, StreamsRunner streams,
                                Runnable onRunning, long started, int files, List<String> skipped)
            throws IOException, InterruptedException {
        Progress progress = new Progress(o.progress());
        long running = System.nanoTime();
        long sent;
        long marked;
        long produced = 0;
        long physical;
        long truncated;
        long deadOnRead;
        List<String> fileErrors;
        try (OutputCollector collector = new OutputCollector(bootstrap, topics.pairStats(), topics.deadLetters(),
                topics.alerts(), topics.ipOwners(), o.onStats(), o.kafka())) {
            collector.start();
            try (RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog(), o.kafka());
                 // lines that cannot be counted as they are (oversize, truncated) go straight to the dead letters
                 MergedLogReader reader = new MergedLogReader(logs, null, (key, dl, time) ->
                         producer.deadLetter(topics.deadLetters(), key, dl, time >= 0 ? time : System.currentTimeMillis()))) {
                long lastTime = 0;
                for (RawLogLine line = reader.next(); line != null; line = reader.next()) {
                    long ts = timeOf(line, lastTime);
                    lastTime = Math.max(lastTime, ts);
                    producer.send(line, ts);
                    produced++;
                    if ((produced & 0x3FFF) == 0) {
                        onRunning.run(); // also throws when the topology failed
                        progress.show(produced, collector.accountedLines());
                    }
                }
                fileErrors = reader.fileErrors();
                fileErrors.forEach(e -> LOG.warn("file error: {}", e));
                deadOnRead = reader.deadLettered();
                if (deadOnRead > 0) {
                    LOG.warn("{} lines sent to the dead letters as read (oversize or truncated; see dlq.jsonl)",
                            deadOnRead);
                }
                if (wiring == MeshpulseTopology.Wiring.SINGLE_TASK) {
                    // One task announces every IP and resolves its callers from its own announcements: the end of
                    // input follows the last line at once, with no commit and no IP table to wait for (a commit here
                    // would write every window still open to its store, to be deleted again when they all close).
                    sent = System.nanoTime();
                    producer.endOfInput(lastTime, false);
                    streams.awaitRunning(Duration.ofSeconds(60));
                    onRunning.run();
                } else {
                    // the topology commits right after the last line, not up to a commit interval later: the wait
                    // for every line to be committed (IpTableSettle) is then only as long as the counting takes
                    producer.commitNow(lastTime);
                    sent = System.nanoTime();
                    streams.awaitRunning(Duration.ofSeconds(60));
                    onRunning.run();
                    IpTableSettle.await(bootstrap, o.kafka(), applicationId, topics.rawAccessLog(), topics.ipOwners(),
                            collector, streams.streams(), streams::checkFailed, o.completionTimeout());
                    producer.endOfInput(lastTime, true);
                }
                marked = System.nanoTime();
                LOG.info("all {} lines sent; waiting for the last windows", produced);
                physical = reader.physicalLines();
                truncated = reader.truncatedLines();
            }
            long expected = produced + deadOnRead; // every line sent, and every dead letter sent as read
            long deadline = System.nanoTime() + o.completionTimeout().toNanos();
            while (collector.accountedLines() < expected && System.nanoTime() < deadline) {
                streams.checkFailed();
                if (collector.failure() != null) throw new IllegalStateException("reading output failed", collector.failure());
                progress.show(expected, collector.accountedLines());
                Thread.sleep(10); // polling the collector's counts (in memory), bounded by the deadline above
            }
            LOG.info("output complete: {} of {} lines accounted for", collector.accountedLines(), expected);
            long outputDone = System.nanoTime();
            // Every line is in a closed window or a dead letter now, so those two files can be written while the
            // alerts stage decides its last windows (tens of megabytes: a few tenths of a second on another core).
            // Checked below against what the collector holds once it stops, and written again if anything came since.
            java.util.concurrent.CompletableFuture<long[]> early = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                List<String> stats = collector.sortedStats();
                List<String> dead = collector.deadLetterLines();
                try {
                    write(o.out().resolve("pair-stats.jsonl"), stats);
                    write(o.out().resolve("dlq.jsonl"), dead);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return new long[] {stats.size(), dead.size()};
            }, r -> {
                Thread t = new Thread(r, "meshpulse-replay-output");
                t.setDaemon(true);
                t.start();
            });
            Duration alertsTimeout = o.alerts().settleDelay().plusSeconds(30);
            boolean alertsEnded = wiring == MeshpulseTopology.Wiring.SINGLE_TASK
                    ? AlertsEnd.awaitInTask(bootstrap, o.kafka(), applicationId, topics.rawAccessLog(), topics.alerts(),
                            collector, streams::checkFailed, alertsTimeout)
                    : AlertsEnd.signalAndAwait(bootstrap, o.kafka(), applicationId, topics.alerts(), collector,
                            streams::checkFailed, alertsTimeout);
            // Without the alerts stage's confirmation (it should not happen): it decides the last windows once its
            // settle delay has passed (wall clock); wait for that, then until no alert record has arrived for a few
            // seconds (bounded).
            if (!alertsEnded) {
                LOG.warn("the alerts stage did not confirm the end of input; waiting out its settle delay instead");
            }
            long earliest = outputDone + o.alerts().settleDelay().toNanos() + Duration.ofSeconds(2).toNanos();
            long latest = outputDone + o.alerts().settleDelay().toNanos() + Duration.ofSeconds(30).toNanos();
            while (!alertsEnded) {
                long now = System.nanoTime();
                long quietFor = now - Math.max(collector.lastAlertNanos(), outputDone);
                if (now >= latest || (now >= earliest && quietFor >= Duration.ofSeconds(4).toNanos())) break;
                streams.checkFailed();
                Thread.sleep(100); // polling the collector, bounded by 'latest'
            }
            long settled = System.nanoTime();
            collector.stop();
            progress.done(expected, collector.accountedLines());

            write(o.out().resolve("alerts.jsonl"), collector.alertLines());
            long[] written;
            try {
                written = early.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof java.io.UncheckedIOException u) throw u.getCause();
                throw e;
            }
            if (collector.windows() != written[0]) {
                write(o.out().resolve("pair-stats.jsonl"), collector.sortedStats());
            }
            if (collector.deadLetters() != written[1]) {
                write(o.out().resolve("dlq.jsonl"), collector.deadLetterLines());
            }

            long wallMs = (System.nanoTime() - started) / 1_000_000;
            // Where the wall time went: the fixed waits at both ends are part of every replay, however short.
            Map<String, Long> phases = new LinkedHashMap<>();
            long[] at = {0, running, sent, marked, outputDone, settled};
            String[] names = {"startUp", "send", "ipTableSettle", "lastWindows", "alertsSettle"};
            for (int i = 1; i < at.length; i++) at[i] = (at[i] - started) / 1_000_000; // ms since the start
            for (int i = 0; i < names.length; i++) phases.put(names[i], at[i + 1] - at[i]);
            phases.put("writeOutput", wallMs - at[at.length - 1]);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("files", files);
            s.put("skippedFiles", skipped);
            s.put("fileErrors", fileErrors);
            s.put("linesRead", physical);
            s.put("linesProduced", produced);
            s.put("parsed", collector.counted());
            s.put("rejected", collector.deadLetters());
            s.put("rejectedByKind", collector.deadByKind());
            s.put("truncatedLines", truncated);
            s.put("deadLetteredOnRead", deadOnRead);
            s.put("pairs", collector.pairs());
            s.put("windows", collector.windows());
            s.put("alerts", collector.alertLines().size());
            s.put("complete", collector.accountedLines() == expected);
            s.put("wallTimeMs", wallMs);
            s.put("phasesMs", phases);
            s.put("linesPerSecond", wallMs == 0 ? 0 : produced * 1000 / wallMs);
            Files.writeString(o.out().resolve("summary.json"),
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n");
            if (collector.accountedLines() != expected) {
                LOG.error("replay incomplete: {} of {} lines accounted for after {}", collector.accountedLines(), expected,
                        o.completionTimeout());
            }
            return new Summary(s);
        }
    }

    /** The line's envelope time, or the previous line's when it has none (or an unreadable one). */
    public static long timeOf(RawLogLine line, long previous) {
        String t = line.ts();
        if (t == null) return previous;
        long ms = Rfc3339.parseMillis(t, 0, t.length());
        return ms == Rfc3339.INVALID ? previous : ms;
    }

    /** One line each, streamed: pair-stats.jsonl is tens of megabytes, built as one String it took ~0.3 s. */
    private static void write(Path p, List<String> lines) throws IOException {
        try (java.io.Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(Files.newOutputStream(p),
                StandardCharsets.UTF_8), 1 << 16)) {
            for (String l : lines) {
                w.write(l);
                w.write('\n');
            }
        }
    }

    public static void deleteRecursively(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", p, e.getMessage());
        }
    }

    /** A one-line progress display on a terminal; silent otherwise. */
    private static final class Progress {
        private final PrintStream out;
        private final long start = System.nanoTime();
        private long lastShown;

        Progress(PrintStream out) {
            this.out = out;
        }

        void show(long produced, long accounted) {
            if (out == null) return;
            long now = System.nanoTime();
            if (now - lastShown < 200_000_000L) return;
            lastShown = now;
            double secs = Math.max(0.001, (now - start) / 1e9);
            int width = 30;
            int filled = produced == 0 ? 0 : (int) Math.min(width, width * accounted / produced);
            out.printf("\r[%s%s] read %,d  counted %,d  %,.0f lines/s ", "#".repeat(filled), ".".repeat(width - filled),
                    produced, accounted, produced / secs);
            out.flush();
        }

        void done(long produced, long accounted) {
            if (out == null) return;
            lastShown = 0;
            show(produced, accounted);
            out.println();
        }
    }
}
