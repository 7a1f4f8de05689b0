package io.meshpulse.ingest.tail;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link FileTailer} running: when Kafka fails (broker away, a transaction that could not commit), the
 * tailer and its producer are dropped and a new pair resumes from the committed checkpoints, after a back-off that
 * doubles up to 30 s. Being fenced means another tailer took this node's transactional id: that is final. A
 * transaction the broker aborted at its timeout also comes back as fenced from the Kafka client; the sink tells it
 * apart ({@link TransactionExpiredException}) and the tailer resumes then.
 */
public final class TailRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TailRunner.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** What {@link #run()} returns when another tailer fenced this one (the exit status of {@code ingest tail}). */
    public static final int FENCED = 2;

    private final TailConfig config;
    private final Supplier<TailSink> sinks;
    private final TailMetrics metrics;
    private final Duration statsInterval;
    private volatile boolean stopped;
    private volatile FileTailer current;

    public TailRunner(TailConfig config, Supplier<TailSink> sinks, MeterRegistry registry, Duration statsInterval) {
        this.config = config;
        this.sinks = sinks;
        this.metrics = new TailMetrics(registry);
        this.statsInterval = statsInterval;
    }

    /** Runs until {@link #stop()}; returns 0 then, or 2 when fenced by another tailer. */
    public int run() throws InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        while (!stopped) {
            long started = System.nanoTime();
            try (TailSink sink = sinks.get(); FileTailer tailer = new FileTailer(config, sink, metrics)) {
                current = tailer;
                tailer.start();
                backoff = Duration.ofSeconds(1);
                long nextStats = System.nanoTime() + statsInterval.toNanos();
                while (!stopped) {
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
                if (System.nanoTime() - started > MAX_BACKOFF.toNanos()) backoff = Duration.ofSeconds(1);
                LOG.warn("tailing stopped: {}; resuming from the committed checkpoints in {} s", e.toString(),
                        backoff.toSeconds());
                synchronized (this) {
                    if (!stopped) wait(backoff.toMillis());
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } finally {
                current = null;
            }
        }
        return 0;
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
}
