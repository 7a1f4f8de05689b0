package io.meshpulse.model;

import java.util.List;

/**
 * meshpulse's topic names, injected everywhere (never hard-coded in topology code).
 * Every name is the prefix plus a fixed suffix, so that a replay can run beside live topics.
 */
public record Topics(String rawAccessLog, String metricsSamples, String pairStats, String deadLetters,
                     String alerts, String ipOwners) {

    public static final String DEFAULT_PREFIX = "meshpulse.";

    public static Topics defaults() {
        return withPrefix(DEFAULT_PREFIX);
    }

    public static Topics withPrefix(String prefix) {
        return new Topics(prefix + "accesslog.raw", prefix + "metrics.samples", prefix + "pair.stats",
                prefix + "accesslog.dlq", prefix + "alerts", prefix + "ip-owners");
    }

    public List<String> all() {
        return List.of(rawAccessLog, metricsSamples, pairStats, deadLetters, alerts, ipOwners);
    }
}
