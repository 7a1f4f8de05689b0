package io.meshpulse.app.cli;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.app.replay.Replay;
import io.meshpulse.app.replay.TopologyAlone;
import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.Json;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
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
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshpulse bench replay}: the end-to-end throughput of {@code replay} beside what the same broker carries
 * for the same lines with no processing at all, in one process and on one broker, so that the ratio says how close
 * the topology comes to the broker's own limit on this machine.
 *
 * <p>The baseline reads the files with the same reader, produces every line with the same producer settings to a
 * topic with the same partitions, then consumes them all back (read_committed, values left undecoded). Rounds
 * alternate baseline and replay, so that a change in the machine's load shows up as a spread instead of a bias.
 * Optional measurements between the two bound the gap: the Kafka Streams floor, and replay's topology alone.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure replay's end-to-end lines/s beside a raw produce-then-consume of the same lines on the same broker.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Kubelet log files or folders, as for replay (e.g. the output of the simulator).")
    List<Path> inputs;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the topics (default ${DEFAULT-VALUE}, as replay's own default).")
    int partitions;

    @Option(names = "--rounds", defaultValue = "2", description = "Baseline/replay pairs to run (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--floor", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run the Kafka Streams floor: the same lines through a topology that only counts them, "
                    + "with replay's Streams settings (default on; --no-floor to skip).")
    boolean floor;

    @Option(names = "--topology-alone",
            description = "Also time replay's topology alone: the same lines (and the end-of-input marker) produced "
                    + "first, then read by replay's topology with its Streams settings and nothing else running, until "
                    + "it has committed past them; with its stream thread's CPU. What replay could reach if ingest "
                    + "cost nothing. It runs before each round's replay, so round 1's replay is no longer a cold one.")
    boolean topologyAlone;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path out;

    @Override
    public Integer call() throws Exception {
        LogLevels.embeddedKafkaErrorsOnly(); // bench always runs its own broker
        Path data = Files.createTempDirectory("meshpulse-bench-");
        List<Map<String, Object>> results = new ArrayList<>();
        System.out.println("parser: " + (io.meshpulse.topology.parse.AccessLogParser.usesVectorBitmaps()
                ? "vector bitmaps" : "scalar searches (no --add-modules jdk.incubator.vector)"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(data, 0)) {
            String bootstrap = broker.bootstrapServers();
            for (int round = 1; round <= rounds; round++) {
                double cpu = cpuSeconds();
                Map<String, Object> base = baseline(bootstrap, round);
                putCpu(base, cpu);
                results.add(base);
                System.out.printf("round %d  baseline  %,10d lines  %8.1f s  %,10.0f lines/s             %s%n", round,
                        (Long) base.get("lines"), (Double) base.get("seconds"), (Double) base.get("linesPerSecond"),
                        cpuText(base));
                if (floor) {
                    cpu = cpuSeconds();
                    Map<String, Object> fl = streamsFloor(bootstrap, round);
                    putCpu(fl, cpu);
                    fl.put("ratioToBaseline", (Double) fl.get("linesPerSecond") / (Double) base.get("linesPerSecond"));
                    results.add(fl);
                    System.out.printf("round %d  floor     %,10d lines  %8.1f s  %,10.0f lines/s  ratio %.2f  %s%n", round,
                            (Long) fl.get("lines"), (Double) fl.get("seconds"), (Double) fl.get("linesPerSecond"),
                            (Double) fl.get("ratioToBaseline"), cpuText(fl));
                }
                if (topologyAlone) {
                    Map<String, Object> al = topologyAlone(bootstrap, round); // its CPU: over the timed part only
                    al.put("ratioToBaseline", (Double) al.get("linesPerSecond") / (Double) base.get("linesPerSecond"));
                    results.add(al);
                    System.out.printf("round %d  alone     %,10d lines  %8.1f s  %,10.0f lines/s  ratio %.2f  %s"
                                    + "  (stream thread %.1f s)%n", round, (Long) al.get("lines"), (Double) al.get("seconds"),
                            (Double) al.get("linesPerSecond"), (Double) al.get("ratioToBaseline"), cpuText(al),
                            (Double) al.get("streamThreadCpuSeconds"));
                }
                Path outDir = Files.createTempDirectory("meshpulse-bench-replay-");
                cpu = cpuSeconds();
                Replay.Summary s = Replay.run(new Replay.Options(inputs, outDir, Duration.ofSeconds(10),
                        Duration.ofSeconds(30), bootstrap, null, partitions, Set.of("istio-proxy"), false,
                        Duration.ofMinutes(30), null, null));
                Map<String, Object> rep = new LinkedHashMap<>();
                rep.put("kind", "replay");
                rep.put("round", round);
                rep.put("lines", s.get("linesProduced"));
                rep.put("seconds", s.get("wallTimeMs") / 1000.0);
                rep.put("linesPerSecond", s.get("linesProduced") * 1000.0 / Math.max(1, s.get("wallTimeMs")));
                rep.put("complete", s.complete());
                rep.put("ratioToBaseline", (Double) rep.get("linesPerSecond") / (Double) base.get("linesPerSecond"));
                rep.put("phasesMs", s.fields().get("phasesMs"));
                putCpu(rep, cpu);
                results.add(rep);
                System.out.printf("round %d  replay    %,10d lines  %8.1f s  %,10.0f lines/s  ratio %.2f  %s%s%n", round,
                        (Long) rep.get("lines"), (Double) rep.get("seconds"), (Double) rep.get("linesPerSecond"),
                        (Double) rep.get("ratioToBaseline"), cpuText(rep), s.complete() ? "" : "  INCOMPLETE");
                if (s.fields().get("phasesMs") instanceof Map<?, ?> phases) {
                    StringBuilder line = new StringBuilder("         replay phases:");
                    phases.forEach((k, v) -> line.append(String.format("  %s %.1f s", k, ((Number) v).longValue() / 1000.0)));
                    System.out.println(line);
                }
                Replay.deleteRecursively(outDir);
            }
        } finally {
            Replay.deleteRecursively(data);
        }
        if (out != null) {
            Files.writeString(out, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        }
        return 0;
    }

    private Map<String, Object> baseline(String bootstrap, int round) throws Exception {
        Topics topics = Topics.withPrefix("meshpulse.bench-" + round + "-" + System.nanoTime() + ".");
        long start = System.nanoTime();
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, partitions, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            admin.awaitLeaders(topics.all());
            long produced = produceAll(bootstrap, topics.rawAccessLog());
            long consumed = 0;
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                // Assigned, not subscribed: no consumer group to form, as a replay's collector reads too.
                List<TopicPartition> parts = c.partitionsFor(topics.rawAccessLog()).stream()
                        .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
                while (consumed < produced && System.nanoTime() < deadline) {
                    ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(500));
                    consumed += recs.count();
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            admin.delete(topics.all());
            return result("baseline", round, produced, "consumed", consumed, secs);
        }
    }

    /**
     * What Kafka Streams itself costs a replay on this broker: the same lines, produced while a Streams application
     * with replay's settings (exactly-once, one thread, the same commit interval and client settings) reads them
     * through a topology that does nothing but count, started as replay starts its own (the lines are sent while it
     * starts). Timed like a replay, from creating its topics and starting Streams to the last line counted. No
     * topology of replay's shape can beat it; the gap between this and the baseline is the price of exactly-once
     * Streams processing, the gap between this and replay is meshpulse's own.
     */
    private Map<String, Object> streamsFloor(String bootstrap, int round) throws Exception {
        Topics topics = Topics.withPrefix("meshpulse.floor-" + round + "-" + System.nanoTime() + ".");
        String applicationId = "meshpulse-bench-floor-" + round + "-" + System.nanoTime();
        Path stateDir = Files.createTempDirectory("meshpulse-bench-floor-state-");
        AtomicLong counted = new AtomicLong();
        long start = System.nanoTime();
        long produced = 0;
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, partitions, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            admin.awaitLeaders(topics.all());
            Topology topology = new Topology();
            topology.addSource("floor-source", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer(), topics.rawAccessLog());
            topology.addProcessor("floor-count", () -> new Processor<byte[], byte[], Void, Void>() {
                @Override
                public void process(Record<byte[], byte[]> record) {
                    counted.incrementAndGet();
                }
            }, "floor-source");
            try (StreamsRunner streams = new StreamsRunner(topology,
                    Replay.streamsConfig(applicationId, bootstrap, stateDir, (short) 1, io.meshpulse.topology.MeshpulseTopology.Wiring.leanestFor(partitions)))) {
                streams.startInBackground(); // as replay does: the lines are sent while Streams starts
                produced = produceAll(bootstrap, topics.rawAccessLog());
                streams.awaitRunning(Duration.ofSeconds(60));
                long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
                while (counted.get() < produced && System.nanoTime() < deadline) {
                    streams.checkFailed();
                    Thread.sleep(20); // polling a counter, bounded by the deadline above
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            admin.delete(topics.all());
            return result("streamsFloor", round, produced, "counted", counted.get(), secs);
        } finally {
            Replay.deleteRecursively(stateDir);
        }
    }

    /**
     * Replay's topology alone ({@link TopologyAlone}): every line and the end-of-input marker produced first (not
     * timed), then the topology timed until it has committed past them.
     */
    private Map<String, Object> topologyAlone(String bootstrap, int round) throws Exception {
        Topics topics = Topics.withPrefix("meshpulse.alone-" + round + "-" + System.nanoTime() + ".");
        String applicationId = "meshpulse-bench-alone-" + round + "-" + System.nanoTime();
        Path stateDir = Files.createTempDirectory("meshpulse-bench-alone-state-");
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, partitions, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            admin.awaitLeaders(topics.all());
            long produced = produceAll(bootstrap, topics.rawAccessLog(), true);
            TopologyAlone.Result r = TopologyAlone.run(bootstrap, topics, partitions, applicationId, stateDir,
                    Duration.ofMinutes(30));
            admin.delete(topics.all());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "topologyAlone");
            m.put("round", round);
            m.put("lines", produced);
            m.put("seconds", r.seconds());
            m.put("linesPerSecond", produced / r.seconds());
            putCpuSeconds(m, r.processCpuSeconds());
            m.put("streamThreadCpuSeconds", r.streamThreadCpuSeconds());
            m.put("committedRecords", r.committedRecords());
            return m;
        } finally {
            Replay.deleteRecursively(stateDir);
        }
    }

    /** Reads the input with replay's reader and produces every line with replay's producer; returns how many. */
    private long produceAll(String bootstrap, String topic) throws Exception {
        return produceAll(bootstrap, topic, false);
    }

    /** As {@link #produceAll(String, String)}, then with {@code endMarker} replay's end-of-input marker. */
    private long produceAll(String bootstrap, String topic, boolean endMarker) throws Exception {
        long produced = 0;
        var logs = LogFileSet.discover(inputs, Set.of("istio-proxy"), new ArrayList<>());
        try (MergedLogReader reader = new MergedLogReader(logs, null);
             RawLineProducer producer = new RawLineProducer(bootstrap, topic)) {
            long last = 0;
            for (RawLogLine line = reader.next(); line != null; line = reader.next()) {
                last = Replay.timeOf(line, last);
                producer.send(line, last);
                produced++;
            }
            if (endMarker) producer.endOfInput(last, true);
            producer.flush();
        }
        return produced;
    }

    /**
     * CPU time of the whole process (every thread: the broker, the clients, the topology, the JIT and the GC) so far.
     * On a shared machine a measurement's wall time moves with the other tenants' load much more than the CPU it
     * took, so each measurement also reports its CPU: a change to the topology shows there even when the wall
     * times of two runs overlap.
     */
    private static double cpuSeconds() {
        return java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                .getProcessCpuTime() / 1e9;
    }

    /** Adds the CPU the process used since {@code cpuAtStart} ({@link #cpuSeconds}) to a measurement's figures. */
    private static void putCpu(Map<String, Object> m, double cpuAtStart) {
        putCpuSeconds(m, cpuSeconds() - cpuAtStart);
    }

    /** Adds {@code cpuSeconds} of process CPU, and per line, to a measurement's figures. */
    private static void putCpuSeconds(Map<String, Object> m, double cpuSeconds) {
        m.put("cpuSeconds", cpuSeconds);
        m.put("cpuMicrosPerLine", cpuSeconds * 1e6 / Math.max(1L, ((Number) m.get("lines")).longValue()));
    }

    private static String cpuText(Map<String, Object> m) {
        return String.format("cpu %6.1f s (%5.1f us/line)", (Double) m.get("cpuSeconds"), (Double) m.get("cpuMicrosPerLine"));
    }

    /** One measurement's figures: every line of the input, and what the measured side saw of them. */
    private static Map<String, Object> result(String kind, int round, long lines, String seenName, long seen,
                                              double secs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("round", round);
        m.put("lines", lines);
        m.put(seenName, seen);
        m.put("seconds", secs);
        m.put("linesPerSecond", lines / secs);
        return m;
    }
}
