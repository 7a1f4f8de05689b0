package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns the access-log stats of closed windows into coverage notes for the metrics-windows stage: "this reporter's
 * access logs covered the window". Coverage is per reporter, and a reporter usually has many pairs (a client calls
 * several services), so one window's stats carry the same note many times over: only the first goes on. The pair
 * windows close together, window by window, so remembering the last window noted per reporter is enough to drop the
 * repeats. Memory only: after a restart a note may go again, which the stage takes as the same fact.
 */
final class CoverageNotes implements Processor<String, PairWindowStats, String, MetricsInput> {
    /** Reporters remembered at most; past it the memory starts over (a repeat note costs a record, nothing else). */
    static final int LIMIT = 100_000;

    /** Per reporter, the start (as the stats print it) of the last window noted; windows here are all one size. */
    private final Map<String, String> lastNoted = new HashMap<>();
    private ProcessorContext<String, MetricsInput> context;

    @Override
    public void init(ProcessorContext<String, MetricsInput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, PairWindowStats> record) {
        PairWindowStats s = record.value();
        if (s == null) return;
        String reporter = ReporterKey.of(s.reporter(), s.source(), s.destination());
        if (s.windowStart().equals(lastNoted.get(reporter))) return; // a repeat: no times to parse
        if (lastNoted.size() >= LIMIT && !lastNoted.containsKey(reporter)) lastNoted.clear();
        lastNoted.put(reporter, s.windowStart());
        long start = Rfc3339.parseMillis(s.windowStart(), 0, s.windowStart().length());
        long end = Rfc3339.parseMillis(s.windowEnd(), 0, s.windowEnd().length());
        context.forward(new Record<>(reporter, new MetricsInput.Covered(start, end), record.timestamp()));
    }
}
