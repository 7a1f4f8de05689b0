package io.meshpulse.ingest.tail;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a broker keeps of committed transactions, for file-level tests: each {@link Sink} buffers its sends and
 * applies them on commit; dropping a sink without committing is a crash. A sink can be told to fail after a number
 * of sends, which is a crash in the middle of a cycle.
 */
final class MemoryKafka {
    final List<RawLogLine> lines = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final Map<String, Checkpoint> checkpoints = new HashMap<>();
    /** Lines and heartbeats as committed, in order. */
    final List<Object> log = new ArrayList<>();

    /** A heartbeat as committed. */
    record Beat(String instance, long upTo) {}

    /** What a heartbeat promises: every line committed after it was written at or after its time. */
    void assertNoLineOlderThanAnEarlierHeartbeat() {
        long vouched = Long.MIN_VALUE;
        for (Object o : log) {
            if (o instanceof Beat b) {
                vouched = Math.max(vouched, b.upTo());
            } else {
                RawLogLine l = (RawLogLine) o;
                long ts = java.time.Instant.parse(l.ts()).toEpochMilli();
                org.junit.jupiter.api.Assertions.assertTrue(ts >= vouched, "'" + l.line() + "' written at " + l.ts()
                        + " came after a heartbeat for " + java.time.Instant.ofEpochMilli(vouched));
            }
        }
    }
    int commits;

    Sink sink() {
        return new Sink(Integer.MAX_VALUE);
    }

    Sink sinkFailingAfter(int sends) {
        return new Sink(sends);
    }

    static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    final class Sink implements TailSink {
        private final List<Runnable> pending = new ArrayList<>();
        private int sendsLeft;
        /** Set by {@link #closeNow()}, from any thread: every later call fails, as a closed producer's would. */
        private volatile boolean closedNow;

        Sink(int sendsLeft) {
            this.sendsLeft = sendsLeft;
        }

        private void send(Runnable r) {
            if (closedNow) throw new IllegalStateException("closed");
            if (sendsLeft-- <= 0) throw new Crash();
            pending.add(r);
        }

        @Override
        public Map<String, Checkpoint> restore() {
            return new HashMap<>(checkpoints);
        }

        @Override
        public void line(RawLogLine line, long timestampMillis) {
            send(() -> {
                lines.add(line);
                log.add(line);
            });
        }

        @Override
        public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
            send(() -> deadLetters.add(deadLetter));
        }

        @Override
        public void checkpoint(String key, Checkpoint checkpoint) {
            send(() -> {
                if (checkpoint == null) checkpoints.remove(key);
                else checkpoints.put(key, checkpoint);
            });
        }

        @Override
        public void heartbeat(String instance, long upToMillis) {
            send(() -> log.add(new Beat(instance, upToMillis)));
        }

        @Override
        public void commit() {
            if (closedNow) throw new IllegalStateException("closed");
            pending.forEach(Runnable::run);
            pending.clear();
            commits++;
        }

        @Override
        public void closeNow() {
            closedNow = true;
        }

        @Override
        public void close() {
            pending.clear();
        }
    }
}
