package io.meshpulse.alerts.stream;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.stream.Emitted;
import java.util.List;
import java.util.Map;

/**
 * One window of one pair as the alerts stage sees it: the stats, and the redacted example lines of each failure
 * class when the pair-exemplars store has them. Value of the alerts stage's repartition topic.
 *
 * @param early true for an early look (one parsing task's counts of a window that ended but has not closed yet, or
 *              of a window up to a point inside it, which the stats' end then is): it can make an alert fire
 *              sooner, never teaches a baseline nor resolves anything
 * @param looked  non-null for a parsing task's look mark ({@link Emitted.Looked}), which has no pair nor stats
 */
public record Observation(String pairKey, PairWindowStats stats, Map<String, List<String>> exemplars, boolean early,
                          Emitted.Looked looked) {
    public Observation {
        exemplars = exemplars == null ? Map.of() : exemplars;
    }

    public Observation(String pairKey, PairWindowStats stats, Map<String, List<String>> exemplars, boolean early) {
        this(pairKey, stats, exemplars, early, null);
    }

    /** A parsing task's look mark: not a window, only how far that task's looks have gone. */
    public static Observation of(Emitted.Looked looked) {
        return new Observation(null, null, Map.of(), true, looked);
    }

    /** A closed window. */
    public Observation(String pairKey, PairWindowStats stats, Map<String, List<String>> exemplars) {
        this(pairKey, stats, exemplars, false);
    }

    public List<String> exemplars(String failureClass) {
        return exemplars.getOrDefault(failureClass, List.of());
    }

    public long count(String failureClass) {
        Long v = stats.byClass().get(failureClass);
        return v == null ? 0 : v;
    }
}
