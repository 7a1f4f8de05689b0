package io.meshpulse.ingest.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The tailer's meters. Names follow Prometheus conventions once exported ({@code meshpulse_ingest_lines_read_total},
 * {@code meshpulse_ingest_behind_bytes}, …); every meter carries {@code source="tail"} so the other ingesters can
 * share the names. Per-file gauges are labelled by namespace, pod, container and file name: bounded by the pods a
 * node can run.
 */
final class TailMetrics {
    static final String SOURCE = "tail";

    private final MeterRegistry registry;
    final Counter linesRead;
    final Counter linesProduced;
    final Counter bytesRead;
    final Counter transactions;
    final Counter rotations;
    final Counter truncations;
    final Counter compressedRead;
    private final ConcurrentHashMap<String, Counter> skipped = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> fileErrors = new ConcurrentHashMap<>();
    final AtomicLong filesFollowed = new AtomicLong();
    /**
     * The most bytes a cycle (one transaction) reads now: the one copy of the budget, which the tailer reads and
     * {@link TailRunner} lowers after expired transactions (and raises again later).
     */
    final AtomicLong cycleBytes;
    /** Wall-clock millis when the positions were last known to be committed. */
    final AtomicLong lastCheckpointMillis = new AtomicLong(System.currentTimeMillis());

    /** @param cycleBytes the cycle budget to start with (the configured {@link TailConfig#maxBytesPerFile}) */
    TailMetrics(MeterRegistry registry, int cycleBytes) {
        this.registry = registry;
        this.cycleBytes = new AtomicLong(cycleBytes);
        linesRead = counter("meshpulse.ingest.lines.read", "Physical lines read from log files");
        linesProduced = counter("meshpulse.ingest.lines.produced", "Logical lines committed to the raw topic");
        bytesRead = Counter.builder("meshpulse.ingest.read").baseUnit("bytes").tag("source", SOURCE)
                .description("Bytes read from log files").register(registry);
        transactions = counter("meshpulse.ingest.transactions", "Kafka transactions committed (lines with positions)");
        rotations = counter("meshpulse.ingest.file.rotations", "Files seen rotated away (renamed or removed)");
        truncations = counter("meshpulse.ingest.file.truncations",
                "Files that shrank below the read position (copytruncate) and were read again from the start");
        compressedRead = counter("meshpulse.ingest.file.decompressed",
                "Gzipped rotations read (written or resumed while the tailer was down)");
        Gauge.builder("meshpulse.ingest.files.followed", filesFollowed, AtomicLong::get).tag("source", SOURCE)
                .description("Files being followed").register(registry);
        Gauge.builder("meshpulse.ingest.cycle.max", this.cycleBytes, AtomicLong::get).baseUnit("bytes").tag("source", SOURCE)
                .description("Most bytes one cycle (one transaction) reads; halved after a transaction that outlasted "
                        + "its timeout, doubled back after 10 minutes without one").register(registry);
        Gauge.builder("meshpulse.ingest.checkpoint.age", lastCheckpointMillis,
                        t -> (System.currentTimeMillis() - t.get()) / 1000.0)
                .baseUnit("seconds").tag("source", SOURCE)
                .description("Time since the read positions were last committed (0 when caught up)").register(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder(name).tag("source", SOURCE).description(help).register(registry);
    }

    /** A line that went to the dead-letter topic instead of the raw topic, by reason (oversize, binary, truncated). */
    void skipped(String reason) {
        skipped.computeIfAbsent(reason, r -> Counter.builder("meshpulse.ingest.lines.skipped").tag("source", SOURCE)
                .tag("reason", r).description("Lines sent to the dead-letter topic instead of the raw topic")
                .register(registry)).increment();
    }

    /** A file that could not be followed (unreadable, vanished, lost), by reason. */
    void fileError(String reason) {
        fileErrors.computeIfAbsent(reason, r -> Counter.builder("meshpulse.ingest.file.errors").tag("source", SOURCE)
                .tag("reason", r).description("Files that could not be read, by reason").register(registry)).increment();
    }

    <T> Gauge behind(T file, Tags tags, ToDoubleFunction<T> f) {
        return Gauge.builder("meshpulse.ingest.behind", file, f).baseUnit("bytes").tags(tags).tag("source", SOURCE)
                .description("Bytes written to a file but not yet read").register(registry);
    }

    void remove(Gauge g) {
        if (g != null) registry.remove(g);
    }

    double skippedCount(String reason) {
        Counter c = skipped.get(reason);
        return c == null ? 0 : c.count();
    }

    double fileErrorCount(String reason) {
        Counter c = fileErrors.get(reason);
        return c == null ? 0 : c.count();
    }
}
