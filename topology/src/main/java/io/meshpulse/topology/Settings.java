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
 * @param early             null: off. Otherwise, once a task's event time passes a window's end by this much, the
 *                          task sends what it has counted for that window as an early look (to the alerts stage
 *                          only) without waiting for the grace; the closed window still comes later and is what
 *                          counts. Live this cuts the time to an alert from window + grace to window + early.
 * @param closeDelay        wall-clock time a window waits, once its grace has passed, before it is closed. Callers
 *                          are resolved through the IP table when a window closes, and another task's announcement
 *                          of a pod's IP reaches that table only after the task's commit and the global thread's
 *                          next poll; when event time runs far ahead of the wall clock (replay) a window could
 *                          otherwise close before the IPs it needs are known. Zero closes at once (tests that
 *                          drive the wall clock by hand).
 * @param heartbeatExpiry   how long a task keeps following an ingest instance's heartbeats while it hears others and
 *                          not that one. While a task hears heartbeats (raw-topic records with the control header
 *                          {@code heartbeat}: "this ingest has no unread line written before T"), it closes a window
 *                          only once the oldest T among the instances it follows (the frontier) is past the window's
 *                          end plus the grace, and its idle clock goes no further than that T. An instance's silence
 *                          is counted only over time in which the task heard something else (another instance's
 *                          heartbeat, a line): during a total outage nobody is heard and nobody expires. An instance
 *                          silent for longer than this (a deleted node, a tailer stuck or cut off) is dropped, and
 *                          a task left with none advances on the wall clock again, from where its clock stood. An
 *                          instance is also dropped when not heard for {@link #heartbeatWallLimit()} of wall clock.
 * @param earlyEvery        null: one early look per window, at its end. Otherwise looks come every this much of event
 *                          time (a divisor of the window), each {@code early} after its point: a look inside a window
 *                          shows the window's counts so far, as a window from its start to that point. A spike that
 *                          begins in the last seconds of a window is too little of that window to fire it; with
 *                          looks at window ends only it then waits for the next window's end (up to two windows
 *                          after its onset), with looks every half window for the next half window's end.
 * @param statsQueries      whether closed windows are also put in the pair-stats window store, which only the HTTP
 *                          API's queries read (triage, {@code /api/v1/pairs}). On for {@code run}; a replay nobody
 *                          serves turns it off, as nothing could ever read the store (its state is deleted with it).
 *                          The pair-stats topic and the example lines the alerts read are the same either way.
 */
public record Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                       Duration punctuateInterval, Duration statsRetention, Duration early, Duration closeDelay,
                       Duration heartbeatExpiry, Duration earlyEvery, boolean statsQueries) {

    /** Commit interval (1 s) + the global thread's poll + margin. */
    public static final Duration DEFAULT_CLOSE_DELAY = Duration.ofSeconds(3);

    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /**
     * Of time in which the task hears other instances or lines. Long enough for a tailer's restart on its node (a
     * rolling update or an OOM kill: the old pod's shutdown, the new one's start and its first cycle take seconds to
     * a few tens of seconds) plus the tailer's back-off after a failure (up to 30 s), and for tailers resuming at
     * different moments after a broker outage (the same back-off); short, because while a silent instance is waited
     * for, every window of its tasks waits to close.
     */
    public static final Duration DEFAULT_HEARTBEAT_EXPIRY = Duration.ofSeconds(90);

    /**
     * An instance not heard for this long of wall clock is dropped even when the task heard nothing else meanwhile
     * (every tailer gone, or the broker away for that long): past this, a tailer's backlog is mostly rotated away by
     * the kubelet anyway (10 MiB times 5 files a container by default: minutes to tens of minutes of a busy proxy),
     * and the windows before the silence should not stay unpublished for ever. Never below the expiry.
     */
    public static final Duration HEARTBEAT_WALL_LIMIT = Duration.ofHours(1);

    public Settings {
        if (window.toMillis() <= 0) throw new IllegalArgumentException("window must be positive");
        if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative");
        if (rawPartitions <= 0) throw new IllegalArgumentException("rawPartitions must be positive");
        if (statsRetention.compareTo(window.plus(grace)) < 0) {
            throw new IllegalArgumentException("statsRetention must cover window + grace");
        }
        if (early != null && early.isNegative()) throw new IllegalArgumentException("early must not be negative");
        if (closeDelay == null) closeDelay = Duration.ZERO;
        if (closeDelay.isNegative()) throw new IllegalArgumentException("closeDelay must not be negative");
        if (heartbeatExpiry == null) heartbeatExpiry = DEFAULT_HEARTBEAT_EXPIRY;
        if (heartbeatExpiry.toMillis() <= 0) throw new IllegalArgumentException("heartbeatExpiry must be positive");
        if (earlyEvery != null && (earlyEvery.toMillis() <= 0 || window.toMillis() % earlyEvery.toMillis() != 0)) {
            throw new IllegalArgumentException("earlyEvery must divide the window (" + window + "): " + earlyEvery);
        }
        if (early != null && earlyEvery != null && early.compareTo(earlyEvery) >= 0) {
            throw new IllegalArgumentException("early (" + early + ") must be shorter than earlyEvery (" + earlyEvery
                    + "): a look would come after the next point");
        }
    }

    /** With closed windows kept for queries. */
    public Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                    Duration punctuateInterval, Duration statsRetention, Duration early, Duration closeDelay,
                    Duration heartbeatExpiry, Duration earlyEvery) {
        this(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, closeDelay,
                heartbeatExpiry, earlyEvery, true);
    }

    /** With one early look per window (at its end). */
    public Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                    Duration punctuateInterval, Duration statsRetention, Duration early, Duration closeDelay,
                    Duration heartbeatExpiry) {
        this(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, closeDelay,
                heartbeatExpiry, null);
    }

    /** With the default heartbeat expiry. */
    public Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                    Duration punctuateInterval, Duration statsRetention, Duration early, Duration closeDelay) {
        this(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, closeDelay,
                DEFAULT_HEARTBEAT_EXPIRY);
    }

    /** Without early looks: windows reach the later stages when they close. */
    public Settings(Duration window, Duration grace, int rawPartitions, Duration idleAfter,
                    Duration punctuateInterval, Duration statsRetention) {
        this(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, null, Duration.ZERO,
                DEFAULT_HEARTBEAT_EXPIRY);
    }

    public static Settings defaults(int rawPartitions) {
        return new Settings(DEFAULT_WINDOW, DEFAULT_GRACE, rawPartitions, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofHours(6));
    }

    public Settings withWindow(Duration w) {
        return new Settings(w, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, closeDelay,
                heartbeatExpiry, earlyEvery, statsQueries);
    }

    public Settings withGrace(Duration g) {
        return new Settings(window, g, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, closeDelay,
                heartbeatExpiry, earlyEvery, statsQueries);
    }

    /** @param e how far past a window's end a task sends its early look; null turns early looks off */
    public Settings withEarly(Duration e) {
        return new Settings(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, e, closeDelay,
                heartbeatExpiry, earlyEvery, statsQueries);
    }

    /** @param d how long (wall clock) a window whose grace has passed waits before it closes */
    public Settings withCloseDelay(Duration d) {
        return new Settings(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early, d,
                heartbeatExpiry, earlyEvery, statsQueries);
    }

    /** @param e how long a task keeps following a silent ingest instance's heartbeats */
    public Settings withHeartbeatExpiry(Duration e) {
        return new Settings(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early,
                closeDelay, e, earlyEvery, statsQueries);
    }

    /** @param every how often (event time, a divisor of the window) early looks come; null: once a window */
    public Settings withEarlyEvery(Duration every) {
        return new Settings(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early,
                closeDelay, heartbeatExpiry, every, statsQueries);
    }

    /** @param on whether closed windows are put in the pair-stats window store for queries */
    public Settings withStatsQueries(boolean on) {
        return new Settings(window, grace, rawPartitions, idleAfter, punctuateInterval, statsRetention, early,
                closeDelay, heartbeatExpiry, earlyEvery, on);
    }

    /** The step between early looks: {@link #earlyEvery()}, or the window. */
    public Duration earlyStep() {
        return earlyEvery != null ? earlyEvery : window;
    }

    /** How long (wall clock) an instance not heard at all is still followed: {@link #HEARTBEAT_WALL_LIMIT}, or the expiry. */
    public Duration heartbeatWallLimit() {
        return heartbeatExpiry.compareTo(HEARTBEAT_WALL_LIMIT) > 0 ? heartbeatExpiry : HEARTBEAT_WALL_LIMIT;
    }

    /** Whether early looks are sent at all (only when they can come before the window closes). */
    public boolean earlyLooks() {
        return early != null && early.compareTo(grace) < 0;
    }
}
