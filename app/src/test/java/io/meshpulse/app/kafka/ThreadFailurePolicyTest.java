package io.meshpulse.app.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class ThreadFailurePolicyTest {
    private final AtomicLong clock = new AtomicLong();

    @Test
    void replayStopsAtTheFirstFailure() {
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, ThreadFailurePolicy.stopAtOnce().onFailure());
    }

    @Test
    void runReplacesAFailedThreadUpToTheBoundWithinThePeriodThenStops() {
        ThreadFailurePolicy p = new ThreadFailurePolicy(3, Duration.ofMinutes(10), clock::get);
        for (int i = 0; i < 3; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.onFailure(), "failure " + (i + 1));
            clock.addAndGet(Duration.ofMinutes(1).toNanos());
        }
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, p.onFailure(), "a fourth within ten minutes");
    }

    @Test
    void failuresOlderThanThePeriodNoLongerCount() {
        ThreadFailurePolicy p = new ThreadFailurePolicy(2, Duration.ofMinutes(10), clock::get);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.onFailure());
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.onFailure());
        clock.addAndGet(Duration.ofMinutes(11).toNanos()); // one outage an hour is not a crash loop
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.onFailure());
    }
}
