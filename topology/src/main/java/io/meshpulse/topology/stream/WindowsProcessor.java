package io.meshpulse.topology.stream;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Times;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.PairKey;
import io.meshpulse.topology.stats.WindowCounts;
import io.meshpulse.topology.stream.OpenWindows.OpenWindow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Per pair-keyed task: adds up the partial counts that parsing tasks send for each (pair, window), and emits a
 * window once every parsing task's watermark has passed its end — one record per closed window per pair.
 */
public final class WindowsProcessor implements Processor<String, PartialMsg, String, Emitted> {
    /** Key in the watermark store under which the end of the newest emitted window is kept. */
    private static final int EMITTED_KEY = -1;
    /** The key of {@link Emitted.End} (no pair's key: a pair key holds '|'). */
    public static final String END_KEY = "end-of-input";

    private final long size;
    private final int tasks;
    /** Whether closed windows go to the pair-stats store too (only the HTTP API reads it, see Settings#statsQueries). */
    private final boolean statsQueries;
    private final BinaryWriter writer = new BinaryWriter(512);

    private ProcessorContext<String, Emitted> context;
    private KeyValueStore<Bytes, byte[]> open;
    private KeyValueStore<Integer, Long> watermarks;
    private WindowStore<String, PairWindowStats> closed;
    private WindowStore<String, PairExemplars> exemplars;
    private long emittedUpTo = PartialsProcessor.NONE;
    /**
     * Every open window of this task, decoded, by store key. A window whose partials and closing watermark arrive
     * between two commits (the usual case: a parsing task sends a window's partials and then its watermark) never
     * reaches the store.
     */
    private final OpenWindows<Bytes> windows = new OpenWindows<>();

    /** Whether the end of input is passed on ({@link Emitted.End}) after the last windows: a later stage is in this task. */
    private final boolean signalsEnd;

    public WindowsProcessor(Settings settings) {
        this(settings, false);
    }

    /** @param signalsEnd forward {@link Emitted.End} after the last windows once the end of input reaches them */
    public WindowsProcessor(Settings settings, boolean signalsEnd) {
        this.size = settings.window().toMillis();
        this.tasks = settings.rawPartitions();
        this.statsQueries = settings.statsQueries();
        this.signalsEnd = signalsEnd;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.context = context;
        this.open = context.getStateStore(Names.OPEN_WINDOWS_STORE);
        this.watermarks = context.getStateStore(Names.WATERMARKS_STORE);
        this.closed = context.getStateStore(Names.PAIR_STATS_STORE);
        this.exemplars = context.getStateStore(Names.PAIR_EXEMPLARS_STORE);
        Long e = watermarks.get(EMITTED_KEY);
        emittedUpTo = e == null ? PartialsProcessor.NONE : e;
        windows.load(open, k -> k);
    }

    @Override
    public void process(Record<String, PartialMsg> record) {
        PartialMsg msg = record.value();
        if (msg instanceof PartialMsg.Partial p) {
            add(record, p);
        } else if (msg instanceof PartialMsg.Watermark w) {
            if (w.task() < 0 || w.task() >= tasks) return; // from a partition count we were not built for
            watermarks.put(w.task(), w.closedUpTo());
            long min = Long.MAX_VALUE;
            for (int t = 0; t < tasks; t++) {
                Long m = watermarks.get(t);
                if (m == null) return; // a task we have not heard from may still send partials
                min = Math.min(min, m);
            }
            if (min > emittedUpTo) {
                emitUpTo(min, record.timestamp());
                if (min == Long.MAX_VALUE) {
                    if (signalsEnd) {
                        Headers end = new RecordHeaders().add(Names.CONTROL_HEADER,
                                Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
                        context.forward(new Record<String, Emitted>(END_KEY, new Emitted.End(), record.timestamp(), end));
                    }
                    context.commit(); // the end of input: the last windows out now
                }
            }
        }
    }

    private void add(Record<String, PartialMsg> record, PartialMsg.Partial p) {
        if (p.windowStart() + size <= emittedUpTo) {
            // Only possible when a task that was idle (no input at all) starts late into an already-closed window.
            String reason = "partial counts (" + p.counts().requests() + " requests) for window "
                    + Times.rfc3339(p.windowStart()) + " arrived after the window was emitted";
            DeadLetter letter = new DeadLetter("late", reason, Times.rfc3339(p.windowStart()),
                    p.pair().sourceNamespace(), null, null, "pair:" + p.pair().toKeyString(), null);
            context.forward(new Record<>(record.key(), new Emitted.Dead(letter), record.timestamp()));
            return;
        }
        writer.reset().writeLongBE(p.windowStart());
        p.pair().writeTo(writer);
        Bytes key = Bytes.wrap(writer.toByteArray());
        OpenWindow w = windows.get(p.windowStart(), key);
        if (w == null) {
            w = windows.open(p.windowStart(), key, key, p.counts());
        } else {
            w.counts.merge(p.counts());
        }
        windows.touched(w);
    }

    private void emitUpTo(long upTo, long timestamp) {
        long lastStart = upTo == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : upTo - size;
        for (OpenWindow w : windows.closeUpTo(lastStart)) {
            byte[] k = w.key.get();
            PairKey pair = PairKey.readFrom(new BinaryReader(k, 8, k.length - 8));
            PairWindowStats stats = toStats(w.windowStart, size, pair, w.counts);
            String key = pair.toKeyString();
            if (statsQueries) closed.put(key, stats, w.windowStart);
            Map<String, List<String>> examples = w.counts.exemplars();
            if (!examples.isEmpty()) exemplars.put(key, new PairExemplars(examples), w.windowStart);
            context.forward(new Record<>(key, new Emitted.Stats(stats), w.windowStart + size));
        }
        emittedUpTo = upTo;
        watermarks.put(EMITTED_KEY, upTo);
    }

    /** The pair-stats record of one window's counts. */
    static PairWindowStats toStats(long ws, long size, PairKey pair, WindowCounts c) {
        double success = c.requests() == 0 ? 1.0 : (double) (c.requests() - c.failures()) / c.requests();
        return new PairWindowStats(Times.rfc3339(ws), Times.rfc3339(ws + size), pair.reporter(), pair.source(),
                pair.destination(), c.requests(), c.failures(), Math.round(success * 1e6) / 1e6, c.byClass(),
                c.byCodeClass(), c.latency(), c.bytesSent(), c.bytesReceived());
    }
}
