package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction the broker aborted at its timeout comes back from the Kafka client as fenced (ProducerFencedException
 * with transaction version 1, InvalidProducerEpochException from the sends with version 2: both seen on a real
 * broker). The sink tells it from another tailer taking over by the transaction's age, and the runner resumes from
 * the committed checkpoints instead of stopping.
 */
class TransactionExpiryTest {
    private static final RawLogLine LINE = new RawLogLine("2026-11-20T10:00:04.000Z", "shop", "cart-1", "istio-proxy",
            "node-1", "l1", "f");

    @TempDir
    Path root;

    private long nanos;

    private KafkaTailSink sink(MockProducer<String, byte[]> producer, Map<String, Object> overrides) {
        producer.initTransactions();
        KafkaTailSink s = new KafkaTailSink("unused:9092", "raw", "dlq", "checkpoints", "node-1", overrides,
                () -> producer);
        s.clock(() -> nanos);
        return s;
    }

    private static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void theDefaultTimeoutIsFifteenSecondsThreeCycles() {
        assertEquals(15_000, KafkaTailSink.TRANSACTION_TIMEOUT_MS);
        assertEquals(KafkaTailSink.TRANSACTION_TIMEOUT_MS, 3 * TailConfig.DEFAULT_MAX_CYCLE.toMillis());
        assertEquals(15_000, KafkaTailSink.transactionTimeoutMs(Map.of()));
        assertEquals(40_000,
                KafkaTailSink.transactionTimeoutMs(Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "40000")));
    }

    @Test
    void fencedOnATransactionOpenForHalfItsTimeoutIsAnExpiry() {
        MockProducer<String, byte[]> producer = producer();
        try (KafkaTailSink s = sink(producer, Map.of())) {
            s.line(LINE, 1);
            nanos += Duration.ofMillis(7_500).toNanos();
            ProducerFencedException fenced = new ProducerFencedException("There is a newer producer");
            producer.commitTransactionException = fenced;
            RuntimeException e = assertThrows(RuntimeException.class, s::commit);
            assertInstanceOf(TransactionExpiredException.class, e);
            assertSame(fenced, e.getCause());
            assertFalse(KafkaTailSink.fenced(e), "the runner resumes");
        }
        assertEquals(0, producer.commitCount());
    }

    @Test
    void anOldEpochOnASendOfAnOldTransactionIsAnExpiryToo() {
        MockProducer<String, byte[]> producer = producer();
        try (KafkaTailSink s = sink(producer, Map.of())) {
            s.line(LINE, 1);
            nanos += Duration.ofSeconds(20).toNanos();
            producer.sendException = new org.apache.kafka.common.KafkaException("Cannot perform send",
                    new InvalidProducerEpochException("Producer attempted to produce with an old epoch."));
            RuntimeException e = assertThrows(RuntimeException.class, () -> s.line(LINE, 2));
            assertInstanceOf(TransactionExpiredException.class, e);
            assertFalse(KafkaTailSink.fenced(e));
        }
    }

    @Test
    void fencedOnAYoungTransactionIsAnotherTailerAndFinal() {
        MockProducer<String, byte[]> producer = producer();
        try (KafkaTailSink s = sink(producer, Map.of())) {
            s.line(LINE, 1);
            nanos += Duration.ofMillis(7_000).toNanos();
            ProducerFencedException fenced = new ProducerFencedException("There is a newer producer");
            producer.commitTransactionException = fenced;
            RuntimeException e = assertThrows(RuntimeException.class, s::commit);
            assertSame(fenced, e);
            assertTrue(KafkaTailSink.fenced(e), "the runner stops");
        }
    }

    @Test
    void theAgeIsMeasuredAgainstATimeoutSetByTheClientSettings() {
        MockProducer<String, byte[]> producer = producer();
        try (KafkaTailSink s = sink(producer, Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000))) {
            s.line(LINE, 1);
            nanos += Duration.ofSeconds(20).toNanos();
            producer.commitTransactionException = new ProducerFencedException("There is a newer producer");
            assertTrue(KafkaTailSink.fenced(assertThrows(RuntimeException.class, s::commit)));
        }
    }

    @Test
    void theRunnerResumesAfterAnExpiryWithNothingLostOrRepeated() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1").line("2");
        MemoryKafka kafka = new MemoryKafka();
        AtomicInteger sinks = new AtomicInteger();
        AtomicInteger expiries = new AtomicInteger();
        TailConfig config = TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1").withFromBeginning(true)
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);
        // The first sink's commit with lines in it fails as an expired transaction does; the later sinks' commits work.
        TailRunner runner = new TailRunner(config, () -> {
                    long limit = sinks.incrementAndGet() == 1 ? 0 : Long.MAX_VALUE;
                    return expiringAbove(kafka, kafka.sink(), () -> limit, expiries);
                },
                new SimpleMeterRegistry(), Duration.ofMinutes(1));
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> rc = ex.submit(runner::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            awaitLines(kafka, 2, rc, deadline);
            a.line("3");
            awaitLines(kafka, 3, rc, deadline);
            assertFalse(rc.isDone(), "the runner stopped instead of resuming: " + (rc.isDone() ? rc.get() : null));
            runner.stop();
            assertEquals(0, rc.get(30, TimeUnit.SECONDS));
        } finally {
            ex.shutdownNow();
        }
        assertEquals(2, sinks.get(), "one new sink after the expiry");
        assertEquals(1, expiries.get(), "expired transactions");
        synchronized (kafka) {
            assertEquals(List.of("1", "2", "3"), kafka.lines.stream().map(RawLogLine::line).toList());
        }
    }

    /**
     * A broker that takes at most 600 KiB within a transaction's timeout (a slow link, a quota): every commit of a
     * cycle that read more comes back expired. With 4 MiB cycles the backlog would be read and aborted forever; the
     * runner halves the cycles after each expiry until they fit, and every line arrives once, in order.
     */
    @Test
    void cyclesShrinkAfterExpiriesUntilASlowBrokerTakesThem() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        String pad = "x".repeat(1000);
        int lines = 3000; // about 3 MiB
        for (int i = 0; i < lines; i++) a.line(i + " " + pad);
        MemoryKafka kafka = new MemoryKafka();
        AtomicInteger expiries = new AtomicInteger();
        TailConfig config = TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1").withFromBeginning(true)
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);
        assertEquals(4 << 20, config.maxBytesPerFile());
        TailRunner runner = new TailRunner(config, () -> expiringAbove(kafka, kafka.sink(), () -> 600 * 1024, expiries),
                new SimpleMeterRegistry(), Duration.ofMinutes(1), Duration.ofMillis(10));
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> rc = ex.submit(runner::run);
            awaitLines(kafka, lines, rc, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            runner.stop();
            assertEquals(0, rc.get(30, TimeUnit.SECONDS));
        } finally {
            ex.shutdownNow();
        }
        // A cycle reads up to one 256 KiB chunk past its budget: budgets of 4 MiB, 2 MiB, 1 MiB and 512 KiB expire,
        // 256 KiB (cycles of at most 512 KiB) fits, and is the floor
        assertEquals(4, expiries.get(), "expired transactions");
        assertEquals(TailRunner.MIN_CYCLE_BYTES, runner.cycleBytes());
        synchronized (kafka) {
            List<String> got = kafka.lines.stream().map(l -> l.line().substring(0, l.line().indexOf(' '))).toList();
            assertEquals(java.util.stream.IntStream.range(0, lines).mapToObj(Integer::toString).toList(), got);
        }
    }

    /**
     * The slow broker's spell ends: a budget shrunk for it grows back, doubling after each {@link TailRunner#GROW_AFTER}
     * without an abort, to the configured 4 MiB and no further. While the broker is still slow, a doubled budget is
     * aborted once and halves again, and no line is lost or repeated through it.
     */
    @Test
    void aShrunkenBudgetGrowsBackOnceTheBrokerKeepsUp() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        String pad = "x".repeat(1000);
        int lines = 0;
        for (; lines < 3000; lines++) a.line(lines + " " + pad);
        MemoryKafka kafka = new MemoryKafka();
        AtomicInteger expiries = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong limit = new java.util.concurrent.atomic.AtomicLong(600 * 1024);
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        TailConfig config = TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1").withFromBeginning(true)
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);
        TailRunner runner = new TailRunner(config, () -> expiringAbove(kafka, kafka.sink(), limit::get, expiries),
                new SimpleMeterRegistry(), Duration.ofMinutes(1), Duration.ofMillis(10));
        runner.clock(clock::get);
        long grow = TailRunner.GROW_AFTER.toNanos();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> rc = ex.submit(runner::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            awaitLines(kafka, lines, rc, deadline);
            assertEquals(4, expiries.get());
            assertEquals(TailRunner.MIN_CYCLE_BYTES, runner.cycleBytes());

            clock.addAndGet(grow - 1);
            a.line(lines++ + " " + pad);
            awaitLines(kafka, lines, rc, deadline);
            assertEquals(TailRunner.MIN_CYCLE_BYTES, runner.cycleBytes(), "grown before its time");

            // still slow: the doubled budget is aborted once, and halves again. The backlog that shows it appears
            // whole (a new pod's file, moved into place), so that the first cycle over it reads a full budget.
            clock.addAndGet(1);
            awaitBudget(runner, 2 * TailRunner.MIN_CYCLE_BYTES, deadline);
            KubeletDir b = new KubeletDir(root, "shop", "cart-2", "istio-proxy");
            StringBuilder backlog = new StringBuilder();
            for (int i = 0; i < 1500; i++) backlog.append(b.cri("F", "b" + i + " " + pad));
            Path staged = root.resolve("staged.tmp");
            java.nio.file.Files.writeString(staged, backlog);
            java.nio.file.Files.move(staged, b.live(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            awaitLines(kafka, lines + 1500, rc, deadline);
            assertEquals(5, expiries.get(), "one abort of the doubled budget");
            assertEquals(TailRunner.MIN_CYCLE_BYTES, runner.cycleBytes());

            // the spell is over: 512 KiB, 1 MiB, 2 MiB, 4 MiB, then no further
            limit.set(Long.MAX_VALUE);
            for (int want : new int[] {512 << 10, 1 << 20, 2 << 20, 4 << 20, 4 << 20}) {
                clock.addAndGet(grow);
                awaitBudget(runner, want, deadline);
                a.line(lines++ + " " + pad);
                awaitLines(kafka, lines + 1500, rc, deadline);
            }
            assertEquals(config.maxBytesPerFile(), runner.cycleBytes());
            assertEquals(5, expiries.get());
            runner.stop();
            assertEquals(0, rc.get(30, TimeUnit.SECONDS));
        } finally {
            ex.shutdownNow();
        }
        synchronized (kafka) {
            List<String> gotA = kafka.lines.stream().filter(l -> l.pod().equals("cart-1"))
                    .map(l -> l.line().substring(0, l.line().indexOf(' '))).toList();
            assertEquals(java.util.stream.IntStream.range(0, lines).mapToObj(Integer::toString).toList(), gotA);
            List<String> gotB = kafka.lines.stream().filter(l -> l.pod().equals("cart-2"))
                    .map(l -> l.line().substring(0, l.line().indexOf(' '))).toList();
            assertEquals(java.util.stream.IntStream.range(0, 1500).mapToObj(i -> "b" + i).toList(), gotB);
        }
    }

    private static void awaitBudget(TailRunner runner, int bytes, long deadline) {
        while (runner.cycleBytes() != bytes && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertEquals(bytes, runner.cycleBytes());
    }

    /**
     * The sink of a broker that takes at most {@code bytes} (asked at each commit) of lines in one transaction before
     * its timeout: a commit of more fails as the Kafka client reports a transaction aborted at its timeout (0: any commit holding lines).
     * Its commits are made under the lock of {@code kafka}, which the test's thread reads.
     */
    private static TailSink expiringAbove(MemoryKafka kafka, TailSink s, java.util.function.LongSupplier bytes,
                                          AtomicInteger expiries) {
        return new ForwardingTailSink(s) {
            private long inTransaction;

            @Override
            public void line(RawLogLine line, long timestampMillis) {
                inTransaction += line.line().length();
                super.line(line, timestampMillis);
            }

            @Override
            public void commit() {
                if (inTransaction > bytes.getAsLong()) {
                    expiries.incrementAndGet();
                    throw new TransactionExpiredException("expired", new ProducerFencedException("newer producer"));
                }
                inTransaction = 0;
                synchronized (kafka) {
                    super.commit();
                    kafka.notifyAll();
                }
            }
        };
    }

    /** Waits (deadline-bound) for the runner's thread to have committed {@code n} lines. */
    private static void awaitLines(MemoryKafka kafka, int n, Future<Integer> rc, long deadline)
            throws InterruptedException {
        synchronized (kafka) {
            while (kafka.lines.size() < n && !rc.isDone() && System.nanoTime() < deadline) kafka.wait(20);
        }
    }

}
