package io.meshpulse.model;

import java.util.List;
import java.util.Map;

/**
 * A few example access-log lines of one pair and window, per failure class, already redacted (query strings and
 * credential-like values removed). Value of the {@code pair-exemplars} window store.
 */
public record PairExemplars(Map<String, List<String>> byClass) {
    public PairExemplars {
        byClass = byClass == null ? Map.of() : byClass;
    }

    public List<String> of(String failureClass) {
        return byClass.getOrDefault(failureClass, List.of());
    }
}
