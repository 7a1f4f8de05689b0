package io.meshpulse.ingest.poll;

import io.meshpulse.model.Times;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Poller} against a {@link CheckpointedSink}: restore the checkpoint, then poll, commit records and
 * checkpoint together, wait, repeat. A failed poll is retried after the server's Retry-After or an exponential
 * backoff (capped); the first failure of a streak is logged once, the rest are counted, and the recovery is logged.
 *
 * <p>{@link #stopAndAwait} ends a {@link #run()} from another thread (a shutdown hook): a poll of the source under way
 * is interrupted at once, since nothing of it is in Kafka yet and the next start polls it again from the checkpoint;
 * a commit under way is let finish, so that no transaction is left open to hold back read-committed consumers of the
 * partitions it wrote to until the broker times it out.
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

    private volatile boolean stopped;
    /** Counted down when {@link #run()} returns or throws. */
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Guards {@link #polling} and {@link #runner}; also what {@link #run()} waits on between polls. */
    private final Object lock = new Object();
    /** The thread in {@link #run()}. */
    private Thread runner;
    /** True while {@link #step()} asks the source (interruptible at no cost), false while it commits or waits. */
    private boolean polling;
    /** Polls committed, and their records, since this loop was made. */
    private long commits;
    private long records;
    /** How far the source had been read at the last commit (epoch millis; 0 when not known). */
    private long readUpTo;
    /** A poll or commit that a stop interrupted (nothing of it was committed); set by the loop when it fails so. */
    private volatile boolean abandoned;

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
            Batch b;
            synchronized (lock) {
                polling = true;
            }
            try {
                b = poller.poll(checkpoint);
            } finally {
                synchronized (lock) {
                    polling = false;
                    // A stop's interrupt was meant for the poll only; the commit below must not see it.
                    if (stopped) Thread.interrupted();
                }
            }
            sink.commit(b);
            checkpoint = b.checkpoint();
            commits++;
            records += b.records().size();
            if (b.upToMillis() > 0) readUpTo = b.upToMillis();
            metrics.committed(b, clock.millis());
            if (failures > 0) LOG.info("{}: polling works again after {} failed attempt(s)", poller.source(), failures);
            failures = 0;
            return b.more() ? Duration.ZERO : interval;
        } catch (PollException e) {
            if (stopped) { // what failed is the poll the stop interrupted, not the source
                abandoned = true;
                return Duration.ZERO;
            }
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

    /** Polls until {@link #stop()} or {@link #stopAndAwait} (or until the thread is interrupted). */
    public void run() {
        synchronized (lock) {
            runner = Thread.currentThread();
        }
        try {
            while (!stopped && !Thread.currentThread().isInterrupted()) {
                Duration wait = step();
                long until = System.nanoTime() + Math.max(1, wait.toMillis()) * 1_000_000L;
                synchronized (lock) {
                    for (long left; !stopped && (left = until - System.nanoTime()) > 0; ) {
                        lock.wait(left / 1_000_000L, (int) (left % 1_000_000L));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended.countDown();
        }
    }

    /** Asks {@link #run()} to return after the poll under way (at once when it is waiting for the next). */
    public void stop() {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
    }

    /**
     * Stops the loop and waits for {@link #run()} to return (not for its thread to end: a shutdown hook calling this
     * runs while the main thread waits in {@code System.exit} for the hook). A poll of the source under way is
     * interrupted; a commit under way gets {@code grace}, then it is interrupted too (Kafka is not answering; the
     * transaction, left open, is aborted by the broker when it times out or by the next start's fencing). True when
     * {@link #run()} returned.
     */
    public boolean stopAndAwait(Duration grace) throws InterruptedException {
        stop();
        synchronized (lock) {
            if (polling && runner != null) runner.interrupt();
        }
        if (ended.await(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) return true;
        LOG.warn("{}: stopping: Kafka took no answer to the commit under way within {} ms; abandoning it (its "
                + "records are polled again from the last checkpoint at the next start)", poller.source(),
                grace.toMillis());
        synchronized (lock) {
            if (runner != null) runner.interrupt();
        }
        return ended.await(3, TimeUnit.SECONDS);
    }

    /** What this loop did, for the line a stopped poller prints. */
    public String stopReport() {
        return commits + " poll(s) committed in this run (" + records + " records)"
                + (abandoned ? "; the poll under way was abandoned and is polled again from the last checkpoint at "
                + "the next start" : "")
                + (readUpTo > 0 ? "; the source is read up to " + Times.rfc3339(readUpTo) : "");
    }

    /** The checkpoint last committed (null before the first). */
    public String checkpoint() {
        return checkpoint;
    }
}
