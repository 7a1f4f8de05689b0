package io.meshpulse.alerts.stream;

import io.meshpulse.model.PairWindowStats;
import java.util.List;
import java.util.Map;

/**
 * One closed window of one pair as the alerts stage sees it: the stats, and the redacted example lines of each
 * failure class when the pair-exemplars store has them. Value of the alerts stage's repartition topic.
 */
public record Observation(String pairKey, PairWindowStats stats, Map<String, List<String>> exemplars) {
    public Observation {
        exemplars = exemplars == null ? Map.of() : exemplars;
    }

    public List<String> exemplars(String failureClass) {
        return exemplars.getOrDefault(failureClass, List.of());
    }

    public long count(String failureClass) {
        Long v = stats.byClass().get(failureClass);
        return v == null ? 0 : v;
    }
}
