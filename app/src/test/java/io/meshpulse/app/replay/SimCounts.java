package io.meshpulse.app.replay;

import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.sim.SimResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the restart tests compare: a generated mesh's truth and the pair stats counted from it, both as
 * {@code "<reporter> <source workload> -> <destination service> <requests|class>"} → count, summed over windows.
 */
final class SimCounts {
    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);

    private SimCounts() {}

    static Map<String, Long> expected(SimResult sim) {
        Map<String, Long> m = new TreeMap<>();
        for (SimResult.Pair p : sim.truth().pairs()) {
            String pair = p.reporter() + " " + (p.source() == null ? null : p.source().workload()) + " -> "
                    + p.destination().service();
            m.merge(pair + " requests", p.requests(), Long::sum);
            p.byClass().forEach((k, v) -> m.merge(pair + " " + k, v, Long::sum));
        }
        return m;
    }

    /** {@code stats}: pair-stats records as JSON, as {@link OutputCollector#sortedStats()} gives them. */
    static Map<String, Long> actual(List<String> stats) {
        Map<String, Long> m = new TreeMap<>();
        for (String line : stats) {
            PairWindowStats s = STATS.decode(line);
            String pair = s.reporter() + " " + (s.source() == null ? null : s.source().workload()) + " -> "
                    + s.destination().service();
            m.merge(pair + " requests", s.requests(), Long::sum);
            s.byClass().forEach((k, v) -> m.merge(pair + " " + k, v, Long::sum));
        }
        return m;
    }

    /**
     * The (pair, window)s that {@code stats} holds more than once, with how often: a window must be emitted once,
     * whichever instance closed it.
     */
    static Map<String, Integer> repeatedWindows(List<String> stats) {
        Map<String, Integer> seen = new TreeMap<>();
        for (String line : stats) {
            PairWindowStats s = STATS.decode(line);
            seen.merge(s.windowStart() + " " + s.reporter() + " " + s.source() + " -> " + s.destination(), 1,
                    Integer::sum);
        }
        seen.values().removeIf(n -> n == 1);
        return seen;
    }

    /** Every istio-proxy line under {@code logs}, in the order replay reads them (merged by write time). */
    static List<RawLogLine> lines(Path logs) throws IOException {
        List<RawLogLine> lines = new ArrayList<>();
        try (MergedLogReader reader = new MergedLogReader(
                LogFileSet.discover(List.of(logs), Set.of("istio-proxy"), new ArrayList<>()), null)) {
            for (RawLogLine l = reader.next(); l != null; l = reader.next()) lines.add(l);
        }
        return lines;
    }

    /** Sends {@code lines} timestamped as replay does, flushes, and returns the last timestamp used. */
    static long send(RawLineProducer producer, List<RawLogLine> lines, long lastTime) {
        for (RawLogLine l : lines) {
            lastTime = Math.max(lastTime, Replay.timeOf(l, lastTime));
            producer.send(l, lastTime);
        }
        producer.flush();
        return lastTime;
    }
}
