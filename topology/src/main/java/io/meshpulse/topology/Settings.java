package io.meshpulse.topology;

import java.time.Duration;

/**
 * What the topology is a function of, besides topic names.
 *
 * @param window            tumbling window size (event time)
 * @param grace             how late a line may be, relative to the newest line its task has seen, and still count
 * @param rawPartitions     partitions of the raw topic = tasks that send watermarks; windows close when all have passed
 * @param idleAfter         with no input for this long (wall clock), a task advances its event time with the wall clock,
 *                          so windows close when traffic stops
 * @param punctuateInterval how often the wall-clock punctuator runs
 * @param statsRetention    how long closed windows stay queryable in the pair-stats window store
 */
public record Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                       Duration punctuateInterval, Duration statsRetention) {

    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    public Settings {
        if (window.toMillis() <= 0) throw new IllegalArgumentException("window must be positive");
        if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative");
        if (rawPartitions <= 0) throw new IllegalArgumentException("rawPartitions must be positive");
        if (statsRetention.compareTo(window.plus(grace)) < 0) {
            throw new IllegalArgumentException("statsRetention must cover window + grace");
        }
    }

    public static Settings defaults(int rawPartitions) {
        return new Settings(DEFAULT_WINDOW, DEFAULT_GRACE, rawPartitions, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofHours(6));
    }

    public Settings withWindow(Duration w) {
        return new Settings(w, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention);
    }

    public Settings withGrace(Duration g) {
        return new Settings(window, g, rawPartitions, idleAfter, punctuateInterval, statsRetention);
    }
}
