package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.tail.ForwardingTailSink;
import io.meshpulse.ingest.tail.KafkaTailSink;
import io.meshpulse.ingest.tail.TailSink;
import io.meshpulse.ingest.tail.TailConfig;
import io.meshpulse.ingest.tail.TailRunner;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import io.meshpulse.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer (its runner and Kafka sink, in this process) while the broker is away for longer than the tailer's
 * transaction timeout, in the middle of a transaction: when it comes back, the coordinator aborts that transaction at
 * its timeout, and the Kafka client reports the abort as if another tailer had fenced this one. The tailer must resume
 * from its committed checkpoints, neither stop nor lose nor repeat a line. The timeout is shortened to 3 s (and the
 * broker's check for timed-out transactions to every 200 ms, the cycle's time to 1 s), and the producer reconnects
 * only every 3 s, so that the coordinator has aborted the transaction before the producer gets back to it. The
 * broker is stopped while a cycle holds lines sent but not committed: the test holds that cycle's commit (a sink
 * wrapped around the tailer's) until the broker has gone, as a tailer waiting for its commit in an outage does.
 */
class TailBrokerOutageIT {
    private static final List<String> PODS = List.of("cart-1", "pay-7");
    private static final Map<String, String> BROKER = Map.of(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200");

    @Test
    void aTransactionAbortedAtItsTimeoutDuringAnOutageIsSentAgainFromTheCheckpoints(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        Path logs = tmp.resolve("pods");
        Path data = tmp.resolve("kafka");
        Topics topics = Topics.withPrefix("outage.");
        EmbeddedBroker broker = EmbeddedBroker.start(data, 0, BROKER);
        String bootstrap = broker.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, 4, Optional.of((short) 1));
            admin.awaitLeaders(List.of(topics.rawAccessLog()));
        }
        Map<String, Object> client = Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 3000,
                ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 3000, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 3000);
        TailConfig config = TailConfig.defaults(List.of(logs + "/*/*/*.log"), "outage-node").withFromBeginning(true)
                .withTimings(Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(2))
                .withMaxCycle(Duration.ofSeconds(1));
        Hold hold = new Hold();
        TailRunner runner = new TailRunner(config, () -> hold.around(new KafkaTailSink(bootstrap,
                topics.rawAccessLog(), topics.deadLetters(), "outage.checkpoints", config.node(), client)),
                new SimpleMeterRegistry(), Duration.ofSeconds(5));
        Writer writer = new Writer(logs);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> writing = threads.submit(writer);
            Future<Integer> tailing = threads.submit(runner::run);
            Map<String, List<Long>> started = RawTopicLines.read(bootstrap, topics.rawAccessLog(), 300,
                    Duration.ofSeconds(60), TailBrokerOutageIT::sequence);
            assertTrue(started.values().stream().mapToInt(List::size).sum() >= 300, "the tailer runs");

            // Away for 8 s or more (the writer's 1,600 lines), from the middle of a transaction.
            hold.holdNextCommitWithLines(Duration.ofSeconds(60));
            broker.close();
            long before = writer.written.get();
            writer.awaitWritten(before + 1600, Duration.ofSeconds(60));
            broker = EmbeddedBroker.start(data, port, BROKER);
            hold.release();

            writer.awaitWritten(writer.written.get() + 300, Duration.ofSeconds(60));
            writer.stop = true;
            writing.get(30, TimeUnit.SECONDS);
            long total = writer.written.get();
            Map<String, List<Long>> seen = RawTopicLines.read(bootstrap, topics.rawAccessLog(), total, Duration.ofSeconds(180),
                    TailBrokerOutageIT::sequence);
            assertFalse(tailing.isDone(), "the tailer stopped (exit code " + (tailing.isDone() ? tailing.get() : null)
                    + ") instead of resuming after the outage");
            runner.stop();
            assertEquals(0, tailing.get(60, TimeUnit.SECONDS));
            for (String pod : PODS) {
                List<Long> want = LongStream.range(0, writer.perPod(pod)).boxed().toList();
                List<Long> got = seen.getOrDefault(pod, List.of());
                assertEquals(want.size(), got.size(), pod + ": " + want.size() + " lines written, " + got.size()
                        + " read (a -1 is a line beyond the count: a repeat)");
                assertEquals(want, got, pod + ": every line once, in order");
            }
        } finally {
            runner.stop();
            threads.shutdownNow();
            broker.close();
        }
    }

    /** Holds one commit of the tailer's, of a cycle that sent lines, until released. */
    private static final class Hold {
        private boolean armed;
        private boolean holding;
        private boolean released;

        /** Waits until the tailer is in a commit of a cycle that sent lines, and keeps it there. */
        synchronized void holdNextCommitWithLines(Duration timeout) throws InterruptedException {
            armed = true;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!holding && System.nanoTime() < deadline) wait(50);
            assertTrue(holding, "the tailer committed no lines");
        }

        synchronized void release() {
            released = true;
            notifyAll();
        }

        private synchronized void maybeHold() {
            if (!armed || released) return;
            holding = true;
            notifyAll();
            while (!released) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        TailSink around(TailSink s) {
            return new ForwardingTailSink(s) {
                private boolean lines;

                @Override
                public void line(RawLogLine line, long timestampMillis) {
                    lines = true;
                    super.line(line, timestampMillis);
                }

                @Override
                public void commit() {
                    if (lines) maybeHold();
                    lines = false;
                    super.commit();
                }
            };
        }
    }

    /** A line's number: the second word of "<pod> <n> <padding>". */
    private static long sequence(RawLogLine l) {
        return Long.parseLong(l.line().split(" ")[1]);
    }

    /** Appends a line to each pod's file every 10 ms, "<pod> <n> <padding>", until stopped. */
    private static final class Writer implements Runnable {
        final Path root;
        final AtomicLong written = new AtomicLong();
        final Map<String, Long> perPod = new java.util.concurrent.ConcurrentHashMap<>();
        volatile boolean stop;

        Writer(Path root) {
            this.root = root;
        }

        long perPod(String pod) {
            return perPod.getOrDefault(pod, 0L);
        }

        void awaitWritten(long n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this) {
                while (written.get() < n && System.nanoTime() < deadline) wait(50);
            }
            assertTrue(written.get() >= n, "the writer wrote " + written.get() + " lines, not " + n);
        }

        @Override
        public void run() {
            String padding = "x".repeat(200);
            try {
                while (!stop) {
                    for (String pod : PODS) {
                        Path dir = root.resolve("shop_" + pod + "_uid").resolve("istio-proxy");
                        Files.createDirectories(dir);
                        long n = perPod(pod);
                        String ts = Times.rfc3339(Instant.now().toEpochMilli());
                        Files.writeString(dir.resolve("0.log"), ts + " stdout F " + pod + " " + n + " " + padding + "\n",
                                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                        perPod.put(pod, n + 1);
                        written.incrementAndGet();
                    }
                    synchronized (this) {
                        notifyAll();
                        wait(10); // the writer's pace, not a test wait
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
