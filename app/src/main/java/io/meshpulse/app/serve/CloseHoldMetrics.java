package io.meshpulse.app.serve;

import io.meshpulse.topology.stream.CloseHolds;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far the tailers' heartbeats hold this instance's window closing back, while it lasts: {@code
 * meshpulse_pipeline_close_held_seconds} (the longest hold over this instance's parsing tasks) and {@code
 * meshpulse_pipeline_heartbeat_behind_seconds{ingest="tail/<node>"}} (per tailer its tasks follow, how far its last
 * heartbeat is behind the tasks' clock; the tailer that holds the windows is the one as far behind as the hold). Read
 * from the {@link CloseHolds} board the parsing tasks report to. A tailer's series is there while a task follows it
 * and goes when the tasks stop waiting for it (expired) or move away, so there is one series per live node.
 */
final class CloseHoldMetrics {
    /**
     * At most this many tailer series; past it, the tailers furthest behind. Heartbeat keys come from the raw topic,
     * one per node normally: this only bounds what a producer sending made-up keys could do to the series count.
     */
    static final int MAX_INGEST_SERIES = 500;

    private final CloseHolds holds;
    private final MeterRegistry registry;
    private final Map<String, Gauge> byIngest = new HashMap<>();
    /** The per-tailer values as of the last {@link #refresh}, in seconds. */
    private volatile Map<String, Double> behind = Map.of();

    CloseHoldMetrics(CloseHolds holds, MeterRegistry registry) {
        this.holds = holds;
        this.registry = registry;
        Gauge.builder("meshpulse.pipeline.close.held", holds, h -> h.heldMillis() / 1000.0).baseUnit("seconds").strongReference(true)
                .description("How far the tailers' heartbeats hold window closing back behind the parsing tasks' "
                        + "clock, longest over this instance's tasks (0: not held)")
                .register(registry);
        refresh();
    }

    /** Brings the per-tailer series up to date with the tasks' latest reports: new tailers added, gone ones removed. */
    synchronized void refresh() {
        Map<String, Long> now = holds.behindMillis();
        if (now.size() > MAX_INGEST_SERIES) {
            List<Map.Entry<String, Long>> all = new ArrayList<>(now.entrySet());
            all.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            Map<String, Long> kept = new HashMap<>();
            for (Map.Entry<String, Long> e : all.subList(0, MAX_INGEST_SERIES)) kept.put(e.getKey(), e.getValue());
            now = kept;
        }
        Map<String, Double> values = new HashMap<>();
        now.forEach((ingest, ms) -> values.put(ingest, ms / 1000.0));
        behind = values;
        for (var it = byIngest.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Gauge> e = it.next();
            if (values.containsKey(e.getKey())) continue;
            registry.remove(e.getValue());
            it.remove();
        }
        for (String ingest : values.keySet()) {
            byIngest.computeIfAbsent(ingest, k -> Gauge.builder("meshpulse.pipeline.heartbeat.behind", this,
                            m -> m.behind.getOrDefault(k, Double.NaN)).baseUnit("seconds").strongReference(true)
                    .description("How far a tailer's last heartbeat (no unread line written before T) is behind the "
                            + "parsing tasks' clock, most over this instance's tasks that follow it")
                    .tag("ingest", k).register(registry));
        }
    }

    /** Removes the per-tailer series (the close-held gauge stays, as the other pipeline gauges do). */
    synchronized void close() {
        byIngest.values().forEach(registry::remove);
        byIngest.clear();
    }
}
