package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Times;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stream.Emitted;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Per reporter-keyed task: sums metric samples per (pair, window) and, once the samples' clock has passed a
 * window's end by the hold, emits it as pair stats with origin {@code metrics} — unless the reporter's access
 * logs produced stats for any overlapping window, in which case the access-log stats already counted those
 * requests and the metrics window is dropped.
 *
 * <p>Windows: a sample covering the step {@code [start, end)} counts in the metrics window
 * {@code [floor(start/W)·W, ceil(end/W)·W)} (W = the topology window). With the poller's step equal to W (the
 * default) these are exactly the access-log windows; with a longer step (a scrape interval longer than W) a metrics
 * window spans several topology windows and says so in its windowStart/windowEnd.
 *
 * <p>Clock: the newest step end seen, or the poller's {@code samples-up-to} tick, whichever is later. The hold
 * (the topology grace) absorbs reordering between the samples topic's partitions.
 */
public final class MetricsWindowsProcessor implements Processor<String, MetricsInput, String, Emitted> {
    private static final JsonCodec<MetricSample> SAMPLE = new JsonCodec<>(MetricSample.class);
    private static final String OBSERVED_KEY = "observed";
    private static final long NONE = Long.MIN_VALUE;

    private final long size;
    private final long hold;
    private final BinaryWriter writer = new BinaryWriter(256);

    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<Bytes, byte[]> open;
    private WindowStore<String, Long> coverage;
    private KeyValueStore<String, Long> meta;
    private long observed = NONE;

    public MetricsWindowsProcessor(Settings settings) {
        this.size = settings.window().toMillis();
        this.hold = settings.grace().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.open = context.getStateStore(Names.METRICS_OPEN_STORE);
        this.coverage = context.getStateStore(Names.METRICS_COVERAGE_STORE);
        this.meta = context.getStateStore(Names.METRICS_META_STORE);
        Long o = meta.get(OBSERVED_KEY);
        observed = o == null ? NONE : o;
    }

    @Override
    public void process(Record<String, MetricsInput> record) {
        MetricsInput in = record.value();
        if (in instanceof MetricsInput.Covered c) {
            coverage.put(record.key(), c.endMillis(), c.startMillis());
        } else if (in instanceof MetricsInput.Sample s) {
            add(record.key(), s);
            advance(s.endMillis());
        } else if (in instanceof MetricsInput.Tick t) {
            advance(t.upToMillis());
        }
    }

    private void add(String reporterKey, MetricsInput.Sample in) {
        MetricSample s = in.sample();
        long start = Math.floorDiv(in.startMillis(), size) * size;
        long end = -Math.floorDiv(-in.endMillis(), size) * size;
        if (decided(end)) {
            if (!covered(reporterKey, start, end)) {
                String reason = "metric sample for window " + Times.rfc3339(start) + " - " + Times.rfc3339(end)
                        + " arrived after the window was decided (samples seen up to " + Times.rfc3339(observed) + ")";
                DeadLetter letter = new DeadLetter("late", reason, s.ts(),
                        s.source() == null ? null : s.source().namespace(), null, null, s.origin(),
                        SAMPLE.encodeToString(s));
                context.forward(new Record<>(s.pairKey(), new Emitted.Dead(letter), end));
            }
            return; // covered by access logs: those already counted it
        }
        writer.reset().writeLongBE(end).writeLongBE(start).writeString(reporterKey).writeString(s.pairKey());
        Bytes key = Bytes.wrap(writer.toByteArray());
        byte[] existing = open.get(key);
        MetricsCounts counts = existing == null ? MetricsCounts.of(s) : MetricsCounts.readFrom(new BinaryReader(existing));
        counts.add(s);
        writer.reset();
        counts.writeTo(writer);
        open.put(key, writer.toByteArray());
    }

    private boolean decided(long windowEnd) {
        return observed != NONE && windowEnd <= observed - hold;
    }

    private void advance(long to) {
        if (to <= observed) return;
        observed = to;
        meta.put(OBSERVED_KEY, observed);
        if (observed - hold < 0) return;
        closeUpTo(observed - hold);
    }

    /** Emits (or drops, when covered) every window ending at or before {@code limit} (epoch millis, not negative). */
    private void closeUpTo(long limit) {
        List<Bytes> done = new ArrayList<>();
        long upper = limit == Long.MAX_VALUE ? Long.MAX_VALUE : limit + 1;
        try (KeyValueIterator<Bytes, byte[]> it = open.range(Bytes.wrap(new BinaryWriter(8).writeLongBE(0)
                .toByteArray()), Bytes.wrap(new BinaryWriter(8).writeLongBE(upper).toByteArray()))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                BinaryReader k = new BinaryReader(kv.key.get());
                long end = k.readLongBE();
                if (end > limit) break;
                long start = k.readLongBE();
                String reporterKey = k.readString();
                String pairKey = k.readString();
                done.add(kv.key);
                if (covered(reporterKey, start, end)) continue;
                PairWindowStats stats = MetricsCounts.readFrom(new BinaryReader(kv.value)).toStats(start, end);
                if (stats != null) context.forward(new Record<>(pairKey, new Emitted.Stats(stats), end));
            }
        }
        for (Bytes k : done) open.delete(k);
    }

    /** Whether the reporter's access logs produced stats for a window overlapping {@code [start, end)}. */
    private boolean covered(String reporterKey, long start, long end) {
        try (WindowStoreIterator<Long> it = coverage.fetch(reporterKey, start - size + 1, end - 1)) {
            while (it.hasNext()) {
                KeyValue<Long, Long> kv = it.next();
                if (kv.key < end && kv.value > start) return true;
            }
        }
        return false;
    }
}
