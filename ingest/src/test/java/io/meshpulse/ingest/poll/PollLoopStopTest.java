package io.meshpulse.ingest.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * How a running {@link PollLoop} stops ({@link PollLoop#stopAndAwait}, what a poller's shutdown hook calls). Until
 * session 16 the hook only interrupted the loop's thread and returned, so the JVM ended at once: a commit under way
 * died with it (or was interrupted), leaving its transaction open, and nothing said what had happened.
 */
class PollLoopStopTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** How far each test batch says the source was read. */
    private static final long UP_TO = java.time.Instant.parse("2026-11-23T08:00:00Z").toEpochMilli();

    @Test
    void aPollOfTheSourceIsInterruptedAtOnceAndNotCountedAsAFailure() throws Exception {
        CountDownLatch inPoll = new CountDownLatch(1);
        AtomicInteger polls = new AtomicInteger();
        Poller source = poller(cp -> {
            if (polls.incrementAndGet() == 1) return batch(1, false);
            inPoll.countDown();
            blockUntilInterrupted(new CountDownLatch(1), PollException.Kind.IO); // a slow source
            throw new AssertionError("not reached");
        });
        MemorySink sink = new MemorySink(1);
        Fixture f = new Fixture(source, sink, Duration.ZERO);
        assertTrue(inPoll.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "second poll never started");
        long t0 = System.nanoTime();
        assertTrue(f.loop.stopAndAwait(Duration.ofSeconds(30)), "run() did not return");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5),
                "waited for the grace instead of interrupting");
        f.thread.join(DEADLINE.toMillis());
        assertFalse(f.thread.isAlive());
        assertEquals(1, sink.commits, "the first poll committed, the interrupted one not");
        assertEquals(0.0, f.metrics.errors(PollException.Kind.IO), "a stop is not a failure of the source");
        assertEquals("1 poll(s) committed in this run (1 records); the poll under way was abandoned and is polled "
                + "again from the last checkpoint at the next start; the source is read up to 2026-11-23T08:00:00.000Z",
                f.loop.stopReport());
    }

    @Test
    void aCommitUnderWayFinishesUninterrupted() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        MemorySink sink = new MemorySink(1) {
            @Override
            public void commit(Batch batch) {
                inCommit.countDown();
                try {
                    blockUntilInterrupted(release, PollException.Kind.KAFKA);
                } catch (PollException e) {
                    interrupted.set(true);
                    throw e;
                }
                super.commit(batch);
            }
        };
        Fixture f = new Fixture(poller(cp -> batch(3, false)), sink, Duration.ofHours(1));
        assertTrue(inCommit.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "commit never started");
        AtomicReference<Boolean> ended = new AtomicReference<>();
        Thread stopper = new Thread(() -> {
            try {
                ended.set(f.loop.stopAndAwait(Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopper.start();
        awaitWaiting(stopper); // the stop has been asked for and waits for run() to return (or has given up)
        release.countDown();
        stopper.join(DEADLINE.toMillis());
        assertEquals(Boolean.TRUE, ended.get(), "run() did not return");
        assertFalse(interrupted.get(), "the commit under way was interrupted");
        assertEquals(1, sink.commits);
        assertEquals(3, sink.records.size());
        assertEquals("1 poll(s) committed in this run (3 records); the source is read up to "
                + "2026-11-23T08:00:00.000Z", f.loop.stopReport());
    }

    @Test
    void aCommitThatOutlastsTheGraceIsAbandoned() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        MemorySink sink = new MemorySink(1) {
            @Override
            public void commit(Batch batch) {
                inCommit.countDown();
                blockUntilInterrupted(new CountDownLatch(1), PollException.Kind.KAFKA); // Kafka never answers
            }
        };
        Fixture f = new Fixture(poller(cp -> batch(2, false)), sink, Duration.ofHours(1));
        assertTrue(inCommit.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "commit never started");
        assertTrue(f.loop.stopAndAwait(Duration.ofMillis(200)), "run() did not return after the grace");
        assertEquals(0, sink.commits);
        assertEquals(0.0, f.metrics.errors(PollException.Kind.KAFKA), "a stop is not a failure of Kafka");
        assertEquals("0 poll(s) committed in this run (0 records); the poll under way was abandoned and is polled "
                + "again from the last checkpoint at the next start", f.loop.stopReport());
    }

    @Test
    void aLoopWaitingForItsNextPollStopsAtOnce() throws Exception {
        MemorySink sink = new MemorySink(1);
        CountDownLatch polled = new CountDownLatch(1);
        Fixture f = new Fixture(poller(cp -> {
            polled.countDown();
            return batch(1, false);
        }), sink, Duration.ofHours(1));
        assertTrue(polled.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "never polled");
        awaitWaiting(f.thread); // committed, and waiting out the hour
        long t0 = System.nanoTime();
        assertTrue(f.loop.stopAndAwait(Duration.ofSeconds(30)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "slept on instead of stopping");
        assertEquals(1, sink.commits);
        assertEquals("1 poll(s) committed in this run (1 records); the source is read up to "
                + "2026-11-23T08:00:00.000Z", f.loop.stopReport());
    }

    /**
     * Waits for {@code latch}; an interrupt ends the wait with a {@link PollException} of {@code kind}, as a poller's
     * HTTP call and a Kafka producer's {@code commitTransaction} end when interrupted.
     */
    private static void blockUntilInterrupted(CountDownLatch latch, PollException.Kind kind) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PollException(kind, "interrupted", null, e);
        }
    }

    /** A loop running on its own thread, polling every {@code interval}. */
    private static final class Fixture {
        final IngestMetrics metrics = new IngestMetrics(new SimpleMeterRegistry(), "test", Clock.systemUTC());
        final PollLoop loop;
        final Thread thread;

        Fixture(Poller poller, CheckpointedSink sink, Duration interval) {
            loop = new PollLoop(poller, sink, interval, metrics, Clock.systemUTC());
            thread = new Thread(loop::run, "poll-loop");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private static Poller poller(java.util.function.Function<String, Batch> poll) {
        return new Poller() {
            @Override
            public String source() {
                return "test";
            }

            @Override
            public Batch poll(String checkpoint) {
                return poll.apply(checkpoint);
            }
        };
    }

    private static Batch batch(int n, boolean more) {
        List<ProducerRecord<String, byte[]>> records = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new ProducerRecord<>("t", "k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return new Batch(records, "cp-" + n, n, 0, UP_TO, more);
    }

    /** Waits (with a deadline) until {@code t} is parked in a wait, or has ended. */
    private static void awaitWaiting(Thread t) {
        long by = System.nanoTime() + DEADLINE.toNanos();
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING
                && t.getState() != Thread.State.TERMINATED) {
            assertTrue(System.nanoTime() < by, t.getName() + " never waited: " + t.getState());
            Thread.onSpinWait();
        }
    }
}
