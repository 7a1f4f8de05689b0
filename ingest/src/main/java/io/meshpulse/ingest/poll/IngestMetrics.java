package io.meshpulse.ingest.poll;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A poller's meters, tagged {@code source=<kind>}. In Prometheus form: {@code meshpulse_ingest_read_total},
 * {@code meshpulse_ingest_produced_total}, {@code meshpulse_ingest_skipped_total},
 * {@code meshpulse_ingest_errors_total{kind}}, {@code meshpulse_ingest_poll_lag_seconds} (now minus how far the
 * source has been read) and {@code meshpulse_ingest_checkpoint_age_seconds} (since the last committed poll).
 */
public final class IngestMetrics {
    private final Counter read;
    private final Counter produced;
    private final Counter skipped;
    private final Map<PollException.Kind, Counter> errors = new EnumMap<>(PollException.Kind.class);
    private final AtomicLong upToMillis = new AtomicLong(-1);
    private final AtomicLong committedAtMillis = new AtomicLong(-1);

    public IngestMetrics(MeterRegistry registry, String source, Clock clock) {
        read = Counter.builder("meshpulse.ingest.read").tag("source", source)
                .description("items read from the source (rows, samples), duplicates included").register(registry);
        produced = Counter.builder("meshpulse.ingest.produced").tag("source", source)
                .description("records committed to Kafka").register(registry);
        skipped = Counter.builder("meshpulse.ingest.skipped").tag("source", source)
                .description("items read but not sent: overlap duplicates, empty or unsupported").register(registry);
        for (PollException.Kind k : PollException.Kind.values()) {
            errors.put(k, Counter.builder("meshpulse.ingest.errors").tag("source", source).tag("kind", k.tag())
                    .description("failed polls, by kind").register(registry));
        }
        Gauge.builder("meshpulse.ingest.poll.lag", () -> age(clock, upToMillis)).tag("source", source)
                .baseUnit("seconds").description("now minus the time the source has been read up to").register(registry);
        Gauge.builder("meshpulse.ingest.checkpoint.age", () -> age(clock, committedAtMillis)).tag("source", source)
                .baseUnit("seconds").description("time since the last committed checkpoint").register(registry);
    }

    private static double age(Clock clock, AtomicLong at) {
        long v = at.get();
        return v < 0 ? Double.NaN : Math.max(0, clock.millis() - v) / 1000.0;
    }

    void committed(Batch b, long nowMillis) {
        read.increment(b.read());
        skipped.increment(b.skipped());
        produced.increment(b.records().size());
        if (b.upToMillis() > 0) upToMillis.set(b.upToMillis());
        committedAtMillis.set(nowMillis);
    }

    void failed(PollException.Kind kind) {
        errors.get(kind).increment();
    }

    public double produced() {
        return produced.count();
    }

    public double errors(PollException.Kind kind) {
        return errors.get(kind).count();
    }
}
