package io.meshpulse.topology;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.stream.CloseHolds;
import io.meshpulse.topology.stream.Emitted;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** A topology under TopologyTestDriver, with helpers that speak in pods and lines. Wall clock starts at T0. */
public final class TopologyTestSupport implements AutoCloseable {
    public static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    public final Topics topics = Topics.defaults();
    public final TopologyTestDriver driver;
    /** What the parsing task reports of the heartbeats' hold, as the application's metrics read it. */
    public final CloseHolds holds = new CloseHolds();
    private final TestInputTopic<String, byte[]> raw;
    private long linesSent;
    private final TestOutputTopic<String, PairWindowStats> stats;
    private final TestOutputTopic<String, DeadLetter> dlq;
    /** Where the tests route the spine's early looks (the application hands them to the alerts stage). */
    static final String EARLY_TOPIC = "test.early-looks";
    static final String LOOKED_TOPIC = "test.look-marks";
    private final TestOutputTopic<String, PairWindowStats> early;
    private final TestOutputTopic<String, String> looked;

    public TopologyTestSupport(Settings settings) {
        this(settings, tempDir());
    }

    /** With the state kept in {@code stateDir}: a second driver on the same folder carries on from the first. */
    public TopologyTestSupport(Settings settings, String stateDir) {
        this(settings, stateDir, MeshpulseTopology.Wiring.REPARTITIONED);
    }

    /**
     * The topology wired as replay wires it over {@code settings}' raw partitions: with one, the parsing task sums
     * its own partials ({@link MeshpulseTopology.Wiring#SINGLE_TASK}). The test classes that run every case again
     * this way ({@code *SingleTaskTest}) check that both wirings count alike.
     */
    public static TopologyTestSupport asReplayWires(Settings settings) {
        return new TopologyTestSupport(settings, tempDir(),
                MeshpulseTopology.Wiring.leanestFor(settings.rawPartitions()));
    }

    public TopologyTestSupport(Settings settings, String stateDir, MeshpulseTopology.Wiring wiring) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "meshpulse-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(CloseHolds.CONFIG, holds);
        org.apache.kafka.streams.StreamsBuilder b = new org.apache.kafka.streams.StreamsBuilder();
        var looks = MeshpulseTopology.add(b, topics, settings, wiring).early();
        looks.filter((k, v) -> v instanceof Emitted.Early)
                .mapValues(e -> ((Emitted.Early) e).stats())
                .to(EARLY_TOPIC, org.apache.kafka.streams.kstream.Produced.with(Serdes.String(),
                        MeshpulseTopology.PAIR_STATS_SERDE));
        looks.filter((k, v) -> v instanceof Emitted.Looked)
                .mapValues(e -> {
                    Emitted.Looked l = (Emitted.Looked) e;
                    return l.point() + "/" + l.partition() + "/" + l.partitions();
                })
                .to(LOOKED_TOPIC, org.apache.kafka.streams.kstream.Produced.with(Serdes.String(), Serdes.String()));
        driver = new TopologyTestDriver(b.build(), p, T0);
        early = driver.createOutputTopic(EARLY_TOPIC, Serdes.String().deserializer(),
                MeshpulseTopology.PAIR_STATS_SERDE.deserializer());
        looked = driver.createOutputTopic(LOOKED_TOPIC, Serdes.String().deserializer(), Serdes.String().deserializer());
        raw = driver.createInputTopic(topics.rawAccessLog(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        stats = driver.createOutputTopic(topics.pairStats(), Serdes.String().deserializer(),
                MeshpulseTopology.PAIR_STATS_SERDE.deserializer());
        dlq = driver.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                MeshpulseTopology.DEAD_LETTER_SERDE.deserializer());
    }

    static String tempDir() {
        try {
            java.nio.file.Path d = java.nio.file.Files.createTempDirectory("meshpulse-ttd-");
            d.toFile().deleteOnExit();
            return d.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Settings settings() {
        return Settings.defaults(1);
    }

    /** Pipes a line as the given pod's istio-proxy wrote it. */
    public void line(String namespace, String pod, IstioLine line) {
        line(namespace, pod, line.text());
    }

    public void line(String namespace, String pod, String text) {
        RawLogLine r = new RawLogLine(null, namespace, pod, "istio-proxy", "aks-node-1", text, "test");
        raw.pipeInput(r.key(), RAW.encode(r));
        linesSent++;
    }

    /** How many lines {@link #line} has piped in so far. */
    public long linesSent() {
        return linesSent;
    }

    public void endOfInput() {
        endOfInput(false);
    }

    /** The end of input; {@code ipTableSettled} as a replay sends it once the IP table holds every announced IP. */
    public void endOfInput(boolean ipTableSettled) {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
        if (ipTableSettled) h.add(Names.IP_TABLE_SETTLED_HEADER, new byte[] {1});
        raw.pipeInput(new TestRecord<>("control", new byte[0], h, T0));
    }

    /** An ingest's heartbeat: {@code instance} has no unread line written before {@code upTo}. */
    public void heartbeat(String instance, Instant upTo) {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.HEARTBEAT.getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(new TestRecord<>(instance, upTo.toString().getBytes(StandardCharsets.UTF_8), h, upTo));
    }

    /** A heartbeat record with any value (a malformed one, say). */
    public void pipeHeartbeatValue(String instance, String value) {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.HEARTBEAT.getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(new TestRecord<>(instance, value.getBytes(StandardCharsets.UTF_8), h, T0));
    }

    /** The wall clock, advanced one punctuation interval (1 s) at a time, as the live punctuator sees it. */
    public void advanceWallClockBySeconds(long seconds) {
        for (long i = 0; i < seconds; i++) driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    public void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    public List<PairWindowStats> stats() {
        return stats.readValuesToList();
    }

    /** Early looks: one task's counts of a window that ended but has not closed. */
    public List<PairWindowStats> earlyLooks() {
        return early.readValuesToList();
    }

    /** The parsing task's look marks, as {@code point/partition/partitions}. */
    public List<String> lookMarks() {
        return looked.readValuesToList();
    }

    public List<DeadLetter> deadLetters() {
        return dlq.readValuesToList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
