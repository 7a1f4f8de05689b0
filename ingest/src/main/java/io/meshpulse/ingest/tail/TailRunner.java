package io.meshpulse.ingest.tail;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link FileTailer} running: when Kafka fails (broker away, a transaction that could not commit), the
 * tailer and its producer are dropped and a new pair resumes from the committed checkpoints, after a back-off that
 * doubles up to 30 s. Being fenced means another tailer took this node's transactional id: that is final. A
 * transaction the broker aborted at its timeout also comes back as fenced from the Kafka client; the sink tells it
 * apart ({@link TransactionExpiredException}) and the tailer resumes then, with cycles of half the bytes (down to
 * {@link #MIN_CYCLE_BYTES}): a broker too slow to take a cycle's bytes within the transaction timeout would
 * otherwise abort the same cycle over and over, without progress. After {@link #GROW_AFTER} without such an abort,
 * a shrunken budget doubles again (up to the configured one): the broker's slow spell may be over, and if it is
 * not, the bigger cycle is aborted once and the budget halves again, one wasted cycle per period.
 */
public final class TailRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TailRunner.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** What {@link #run()} returns when another tailer fenced this one (the exit status of {@code ingest tail}). */
    public static final int FENCED = 2;

    /**
     * The least a cycle's byte budget falls to: the reader takes a file in chunks of 256 KiB and checks the budget
     * between chunks, so a cycle then reads at most 512 KiB, which a broker taking 50 KB/s carries within the 15 s
     * timeout.
     */
    static final int MIN_CYCLE_BYTES = 256 * 1024;

    /** How long a shrunken cycle budget lasts without a transaction outlasting its timeout before it doubles. */
    static final Duration GROW_AFTER = Duration.ofMinutes(10);

    /**
     * How long {@link #stopAndAwait} lets the cycle under way commit before it drops it: a cycle commits in well under
     * a second when the broker answers, and Kubernetes gives a pod 30 s between SIGTERM and SIGKILL by default.
     */
    public static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final TailConfig config;
    private final Duration firstBackoff;
    private final Supplier<TailSink> sinks;
    private final TailMetrics metrics;
    private final Duration statsInterval;
    private volatile boolean stopped;
    private volatile FileTailer current;
    /** The sink of the running tailer, for {@link #stopAndAwait} to close at once; null between tailers. */
    private volatile TailSink currentSink;
    /** Counted down when {@link #run()} returns or throws. */
    private final CountDownLatch ended = new CountDownLatch(1);
    /** The clock of {@link #GROW_AFTER}, in nanoseconds (tests drive it), and when the budget last changed. */
    private LongSupplier clock = System::nanoTime;
    private long budgetChanged;

    public TailRunner(TailConfig config, Supplier<TailSink> sinks, MeterRegistry registry, Duration statsInterval) {
        this(config, sinks, registry, statsInterval, Duration.ofSeconds(1));
    }

    /** @param firstBackoff the wait before the first resume after a failure (1 s; tests shorten it) */
    TailRunner(TailConfig config, Supplier<TailSink> sinks, MeterRegistry registry, Duration statsInterval,
               Duration firstBackoff) {
        this.config = config;
        this.firstBackoff = firstBackoff;
        this.sinks = sinks;
        this.metrics = new TailMetrics(registry, config.maxBytesPerFile());
        this.statsInterval = statsInterval;
    }

    /** Runs until {@link #stop()}; returns 0 then, or 2 when fenced by another tailer. */
    public int run() throws InterruptedException {
        try {
            return loop();
        } finally {
            ended.countDown();
        }
    }

    private int loop() throws InterruptedException {
        Duration backoff = firstBackoff;
        while (!stopped) {
            long started = System.nanoTime();
            try (TailSink sink = sinks.get();
                 FileTailer tailer = new FileTailer(config, sink, metrics)) {
                currentSink = sink;
                current = tailer;
                tailer.start();
                backoff = firstBackoff;
                long nextStats = System.nanoTime() + statsInterval.toNanos();
                while (!stopped) {
                    maybeGrow();
                    if (!tailer.pollOnce()) {
                        synchronized (this) {
                            if (!stopped) wait(Math.max(1, config.pollInterval().toMillis()));
                        }
                    }
                    if (System.nanoTime() >= nextStats) {
                        nextStats = System.nanoTime() + statsInterval.toNanos();
                        LOG.info("{} lines sent, {} dead-lettered, {} files followed, {} bytes behind",
                                (long) metrics.linesProduced.count(), (long) totalSkipped(), tailer.filesFollowed(),
                                tailer.bytesBehind());
                    }
                }
                return 0;
            } catch (RuntimeException e) {
                if (KafkaTailSink.fenced(e)) {
                    LOG.error("another tailer took over node {} (same transactional id {}): stopping",
                            config.node(), KafkaTailSink.transactionalId(config.node()));
                    return FENCED;
                }
                if (stopped) return 0;
                int was = cycleBytes();
                if (TransactionExpiredException.in(e) && was > MIN_CYCLE_BYTES) {
                    metrics.cycleBytes.set(Math.max(MIN_CYCLE_BYTES, was / 2));
                    budgetChanged = clock.getAsLong();
                    LOG.warn("a transaction outlasted its timeout (the broker away, or too slow for a cycle of {} KiB):"
                            + " cycles now read at most {} KiB", was / 1024, cycleBytes() / 1024);
                }
                if (System.nanoTime() - started > MAX_BACKOFF.toNanos()) backoff = firstBackoff;
                LOG.warn("tailing stopped: {}; resuming from the committed checkpoints in {} s", e.toString(),
                        backoff.toSeconds());
                synchronized (this) {
                    if (!stopped) wait(backoff.toMillis());
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } finally {
                current = null;
                currentSink = null;
            }
        }
        return 0;
    }

    /** Doubles a shrunken cycle budget, up to the configured one, once it lasted {@link #GROW_AFTER} unaborted. */
    private void maybeGrow() {
        int now = cycleBytes();
        if (now >= config.maxBytesPerFile() || clock.getAsLong() - budgetChanged < GROW_AFTER.toNanos()) return;
        int grown = (int) Math.min(config.maxBytesPerFile(), 2L * now);
        metrics.cycleBytes.set(grown);
        budgetChanged = clock.getAsLong();
        LOG.info("no transaction outlasted its timeout for {} min: cycles now read at most {} KiB again",
                GROW_AFTER.toMinutes(), grown / 1024);
    }

    /** Replaces the clock, in nanoseconds, that {@link #GROW_AFTER} is measured by (tests). */
    void clock(LongSupplier nanos) {
        this.clock = nanos;
    }

    /** The most bytes a cycle reads now: the gauge's value, the one copy that runner and tailer share. */
    int cycleBytes() {
        return (int) metrics.cycleBytes.get();
    }

    private double totalSkipped() {
        return metrics.skippedCount("oversize") + metrics.skippedCount("binary") + metrics.skippedCount("truncated");
    }

    /** Asks the loop to end after the current cycle (which commits). */
    public void stop() {
        stopped = true;
        synchronized (this) {
            notifyAll();
        }
    }

    /**
     * Stops the loop ({@link #run()}, run by the thread {@code runner}) and waits for it to return: up to
     * {@code grace} for the cycle under way to commit; then, Kafka not answering (a broker away blocks a send or a
     * commit for up to the client's {@code max.block.ms}, a minute), it drops that cycle by closing the sink at once,
     * and as a last resort (a sink still being made: {@code initTransactions} blocks too) interrupts {@code runner}.
     * Nothing dropped is lost: the next start reads it again from the committed checkpoints. For shutdown hooks, which
     * must end well within the time an orchestrator gives between SIGTERM and SIGKILL. It waits for {@link #run()} to
     * return, not for {@code runner} to end: a command's main thread goes on to {@code System.exit}, which waits for
     * the hooks.
     *
     * @return whether the loop ended
     */
    public boolean stopAndAwait(Thread runner, Duration grace) throws InterruptedException {
        stop();
        if (ended.await(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) return true;
        LOG.warn("stopping: Kafka took no answer to the last cycle within {} ms; dropping it uncommitted (its lines "
                + "are read again from the committed checkpoints at the next start)", grace.toMillis());
        TailSink sink = currentSink;
        if (sink != null) sink.closeNow();
        if (ended.await(2, TimeUnit.SECONDS)) return true;
        runner.interrupt();
        return ended.await(3, TimeUnit.SECONDS);
    }
}
