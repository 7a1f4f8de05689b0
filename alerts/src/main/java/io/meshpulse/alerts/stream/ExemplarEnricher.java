package io.meshpulse.alerts.stream;

import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.FailureClass;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Runs in the task that closed the window (same key as {@code pair-stats}) and attaches the window's exemplar
 * lines from the {@code pair-exemplars} store, when that store is part of the topology.
 */
final class ExemplarEnricher implements Processor<String, PairWindowStats, String, Observation> {
    private final String storeName;
    private ProcessorContext<String, Observation> context;
    private WindowStore<String, PairExemplars> store;

    ExemplarEnricher(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<String, Observation> context) {
        this.context = context;
        if (storeName != null) store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, PairWindowStats> record) {
        PairWindowStats s = record.value();
        if (s == null) return;
        Map<String, java.util.List<String>> lines = Map.of();
        if (store != null && mayHaveExemplars(s)) {
            long ws = Rfc3339.parseMillis(s.windowStart(), 0, s.windowStart().length());
            PairExemplars e = store.fetch(record.key(), ws);
            if (e != null) lines = e.byClass();
        }
        context.forward(record.withValue(new Observation(record.key(), s, lines)));
    }

    /**
     * False when the window counted no line of a class other than {@code NONE}: example lines are kept only for
     * those classes ({@code WindowCounts#wantsExample}), so the store holds none for it, and the read (a RocksDB
     * lookup per closed window, most of them all successes) is skipped.
     */
    static boolean mayHaveExemplars(PairWindowStats s) {
        for (Map.Entry<String, Long> e : s.byClass().entrySet()) {
            if (!FailureClass.NONE.equals(e.getKey()) && e.getValue() != null && e.getValue() > 0) return true;
        }
        return false;
    }
}
