package io.meshpulse.ingest.poll;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Poller} against a {@link CheckpointedSink}: restore the checkpoint, then poll, commit records and
 * checkpoint together, wait, repeat. A failed poll is retried after the server's Retry-After or an exponential
 * backoff (capped); the first failure of a streak is logged once, the rest are counted, and the recovery is logged.
 */
public final class PollLoop {
    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Poller poller;
    private final CheckpointedSink sink;
    private final Duration interval;
    private final IngestMetrics metrics;
    private final Clock clock;
    private String checkpoint;
    private boolean restored;
    private int failures;

    /** Set for a single poll ({@code --once}): a failure is reported as final, not as "retrying". */
    private boolean once;

    /** This loop makes one {@link #step()} and no other: its failure message says it is not retried. */
    public PollLoop once() {
        once = true;
        return this;
    }

    /** Whether the last {@link #step()} failed. */
    public boolean failing() {
        return failures > 0;
    }

    public PollLoop(Poller poller, CheckpointedSink sink, Duration interval, IngestMetrics metrics, Clock clock) {
        this.poller = poller;
        this.sink = sink;
        this.interval = interval;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * One poll and commit; returns how long to wait before the next (nothing when the poll stopped short of what the
     * source has). A batch that read everything available (no records) still commits its checkpoint, so that the lag
     * gauge and the checkpoint age stay truthful.
     */
    public Duration step() {
        if (!restored) {
            checkpoint = sink.restore();
            restored = true;
        }
        try {
            Batch b = poller.poll(checkpoint);
            sink.commit(b);
            checkpoint = b.checkpoint();
            metrics.committed(b, clock.millis());
            if (failures > 0) LOG.info("{}: polling works again after {} failed attempt(s)", poller.source(), failures);
            failures = 0;
            return b.more() ? Duration.ZERO : interval;
        } catch (PollException e) {
            metrics.failed(e.kind());
            failures++;
            Duration wait = e.retryAfter() != null ? e.retryAfter() : backoff(failures);
            if (once) {
                LOG.warn("{}: poll failed ({}): {}; not retried (--once)", poller.source(), e.kind().tag(),
                        e.getMessage());
            } else if (failures == 1) {
                LOG.warn("{}: poll failed ({}): {}; retrying in {} s, further failures are only counted "
                        + "(meshpulse_ingest_errors_total)", poller.source(), e.kind().tag(), e.getMessage(),
                        wait.toSeconds());
            } else {
                LOG.debug("{}: poll failed again ({}): {}", poller.source(), e.kind().tag(), e.getMessage());
            }
            return wait;
        }
    }

    static Duration backoff(int failures) {
        long factor = 1L << Math.min(failures - 1, 16);
        Duration d = FIRST_BACKOFF.multipliedBy(factor);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** Polls until the thread is interrupted. */
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            Duration wait = step();
            try {
                Thread.sleep(Math.max(1, wait.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The checkpoint last committed (null before the first). */
    public String checkpoint() {
        return checkpoint;
    }
}
