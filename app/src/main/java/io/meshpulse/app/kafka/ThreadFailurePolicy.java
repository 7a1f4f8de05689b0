package io.meshpulse.app.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What a stream thread's uncaught exception does to the application. A replay stops at the first one (a failure there
 * is a bug or a broken input, and the caller reports it). A live {@code run} replaces the thread instead, up to
 * {@code maxReplacements} times within {@code period}, then stops: a broker away for longer than the producers'
 * {@code max.block.ms} (60 s) fails a send, marks the task corrupted, and the next flush of its stores throws out of
 * the thread; with the broker back, a new thread re-initialises the tasks from their changelogs and goes on (exactly
 * once holds: what the failed thread had not committed is aborted). Stopping the whole process for that took an
 * in-process tailer down with it. A failure that comes back at once (a bug on some record) still stops the
 * application after the bound, as before, rather than looping.
 *
 * <p>Thread-safe: stream threads may fail at the same time.
 */
final class ThreadFailurePolicy {
    private final int maxReplacements;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Long> replaced = new ArrayDeque<>();

    ThreadFailurePolicy(int maxReplacements, Duration period, LongSupplier nanoClock) {
        this.maxReplacements = maxReplacements;
        this.periodNanos = period.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Stop at the first failure (replay, bench). */
    static ThreadFailurePolicy stopAtOnce() {
        return new ThreadFailurePolicy(0, Duration.ofMinutes(10), System::nanoTime);
    }

    /** Replace a failed thread up to five times in ten minutes (the live application). */
    static ThreadFailurePolicy replaceBounded() {
        return new ThreadFailurePolicy(5, Duration.ofMinutes(10), System::nanoTime);
    }

    synchronized StreamThreadExceptionResponse onFailure() {
        long now = nanoClock.getAsLong();
        while (!replaced.isEmpty() && now - replaced.peekFirst() > periodNanos) replaced.pollFirst();
        if (replaced.size() >= maxReplacements) return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        replaced.addLast(now);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
