package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the tailer (SIGTERM) while Kafka does not answer: a commit, a send or the sink's creation then blocks for
 * the client's {@code max.block.ms} (a minute), and a shutdown hook that only waited for the cycle would be cut short
 * by SIGKILL, or hold the pod for that minute. {@link TailRunner#stopAndAwait} lets the cycle commit for a grace
 * period, then drops it; with a broker that answers, the last cycle commits as before.
 */
class TailRunnerStopTest {
    @TempDir
    Path root;

    private TailConfig config() {
        return TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1").withFromBeginning(true)
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);
    }

    @Test
    void aCommitBlockedOnAnAbsentBrokerIsDroppedAfterTheGrace() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        MemoryKafka kafka = new MemoryKafka();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch closedNow = new CountDownLatch(1);
        // Commits go through until line 1 is in; every later one blocks as a commit does with no broker, until closeNow.
        TailRunner runner = new TailRunner(config(), () -> watched(kafka, () -> {
            boolean lineIn;
            synchronized (kafka) {
                lineIn = !kafka.lines.isEmpty();
            }
            if (lineIn) {
                blocked.countDown();
                awaitQuietly(closedNow);
            }
        }, closedNow), new SimpleMeterRegistry(), Duration.ofMinutes(1));
        AtomicReference<Integer> rc = new AtomicReference<>();
        Thread loop = loop(runner, rc);
        awaitFirstLine(kafka);
        a.line("2");
        assertTrue(blocked.await(30, TimeUnit.SECONDS), "the tailer never reached a second commit");
        long t0 = System.nanoTime();
        assertTrue(runner.stopAndAwait(loop, Duration.ofMillis(300)), "the runner still runs");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, closedNow.getCount(), "the blocked sink was closed at once");
        loop.join(10_000);
        assertEquals(0, rc.get());
        assertTrue(took >= 300 && took < 2_000, "stopped after " + took + " ms, for a grace of 300 ms");
        synchronized (kafka) {
            assertEquals(List.of("1"), kafka.lines.stream().map(RawLogLine::line).toList(), "only the first cycle");
        }
    }

    @Test
    void aSinkStillBeingMadeIsInterrupted() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        // initTransactions with no broker: blocks, and answers an interrupt with Kafka's InterruptException
        Supplier<TailSink> sinks = () -> {
            making.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
            throw new AssertionError("unreachable");
        };
        TailRunner runner = new TailRunner(config(), sinks, new SimpleMeterRegistry(), Duration.ofMinutes(1));
        AtomicReference<Integer> rc = new AtomicReference<>();
        Thread loop = loop(runner, rc);
        assertTrue(making.await(30, TimeUnit.SECONDS));
        assertTrue(runner.stopAndAwait(loop, Duration.ofMillis(100)), "the runner still runs");
        assertEquals(1, interrupted.get());
        loop.join(10_000);
        assertEquals(0, rc.get());
    }

    @Test
    void withABrokerThatAnswersTheLastCycleCommitsAndNothingIsClosedAtOnce() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        MemoryKafka kafka = new MemoryKafka();
        CountDownLatch closedNow = new CountDownLatch(1);
        TailRunner runner = new TailRunner(config(), () -> watched(kafka, () -> { }, closedNow),
                new SimpleMeterRegistry(), Duration.ofMinutes(1));
        AtomicReference<Integer> rc = new AtomicReference<>();
        Thread loop = loop(runner, rc);
        awaitFirstLine(kafka);
        a.line("2");
        assertTrue(runner.stopAndAwait(loop, Duration.ofSeconds(30)));
        assertEquals(1, closedNow.getCount(), "closed at once, with a broker that answers");
        loop.join(10_000);
        assertEquals(0, rc.get());
        synchronized (kafka) {
            List<String> got = kafka.lines.stream().map(RawLogLine::line).toList();
            assertTrue(got.equals(List.of("1")) || got.equals(List.of("1", "2")), got.toString());
        }
    }

    /**
     * The command's main thread runs the loop and then calls {@code System.exit}, which waits for the shutdown hooks:
     * a hook waiting for that thread to end would wait out its whole timeout, the loop long since returned.
     */
    @Test
    void itWaitsForTheLoopNotForTheThreadThatRanIt() throws Exception {
        new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        MemoryKafka kafka = new MemoryKafka();
        TailRunner runner = new TailRunner(config(), kafka::sink, new SimpleMeterRegistry(), Duration.ofMinutes(1));
        CountDownLatch exitDone = new CountDownLatch(1);
        AtomicReference<Integer> rc = new AtomicReference<>();
        Thread main = new Thread(() -> {
            try {
                rc.set(runner.run());
            } catch (InterruptedException e) {
                rc.set(-1);
            }
            awaitQuietly(exitDone); // System.exit, blocked until the hooks end
        }, "main-like");
        main.start();
        long t0 = System.nanoTime();
        assertTrue(runner.stopAndAwait(main, Duration.ofSeconds(20)));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        exitDone.countDown();
        main.join(10_000);
        assertEquals(0, rc.get());
        assertTrue(took < 10_000, "took " + took + " ms to see the loop end");
    }

    private static void awaitFirstLine(MemoryKafka kafka) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (kafka) {
            while (kafka.lines.isEmpty() && System.nanoTime() < deadline) kafka.wait(20);
            assertFalse(kafka.lines.isEmpty(), "the first line was never committed");
        }
    }

    /**
     * A sink over {@code kafka} that runs {@code beforeCommit} first in each commit, then commits under the lock of
     * {@code kafka} (which the test's thread waits on), and counts {@code closedNow} down on {@link TailSink#closeNow}.
     */
    private static TailSink watched(MemoryKafka kafka, Runnable beforeCommit, CountDownLatch closedNow) {
        return new ForwardingTailSink(kafka.sink()) {
            @Override
            public void commit() {
                beforeCommit.run();
                synchronized (kafka) {
                    super.commit(); // after closeNow: fails as a closed producer's commit does
                    kafka.notifyAll();
                }
            }

            @Override
            public void closeNow() {
                super.closeNow(); // closed first: a commit released by the count-down must find the sink closed
                closedNow.countDown();
            }
        };
    }

    private static Thread loop(TailRunner runner, AtomicReference<Integer> rc) {
        Thread t = new Thread(() -> {
            try {
                rc.set(runner.run());
            } catch (InterruptedException e) {
                rc.set(-1);
            }
        }, "tail-loop");
        t.start();
        return t;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
