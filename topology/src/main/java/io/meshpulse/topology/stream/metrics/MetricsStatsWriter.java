package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.Names;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Puts metrics-derived pair windows (already keyed by pair) into the same {@code pair-stats} window store as the
 * access-log ones, and passes them on. It runs in the pair-windows task that owns the pair, so a query by pair key
 * finds both kinds in one place.
 */
public final class MetricsStatsWriter implements Processor<String, PairWindowStats, String, PairWindowStats> {
    /** Whether the windows go to the pair-stats store too ({@code Settings#statsQueries}). */
    private final boolean statsQueries;
    private ProcessorContext<String, PairWindowStats> context;
    private WindowStore<String, PairWindowStats> closed;

    public MetricsStatsWriter(boolean statsQueries) {
        this.statsQueries = statsQueries;
    }

    @Override
    public void init(ProcessorContext<String, PairWindowStats> context) {
        this.context = context;
        this.closed = context.getStateStore(Names.PAIR_STATS_STORE);
    }

    @Override
    public void process(Record<String, PairWindowStats> record) {
        PairWindowStats s = record.value();
        if (s == null) return;
        if (statsQueries) {
            String ws = s.windowStart();
            closed.put(record.key(), s, Rfc3339.parseMillis(ws, 0, ws.length()));
        }
        context.forward(record);
    }
}
