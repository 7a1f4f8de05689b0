package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cycle (one transaction) stops taking lines once it has run for {@link TailConfig#maxCycle}, whatever the backlog:
 * the test's cycle clock advances by {@link #PER_LINE} for every line handed to the sink (sending is what takes the
 * time), and the wall clock of heartbeats by a second per cycle. Lines are about 1 KiB, so a read chunk (256 KiB)
 * holds about 260 of them; a cycle can overrun its time by the chunk it was reading when the time ran out.
 */
class FileTailerCycleTimeTest {
    private static final Instant LINES_FROM = Instant.parse("2026-11-20T10:00:00Z");
    private static final long PER_LINE = Duration.ofMillis(1).toNanos();
    private static final Duration MAX_CYCLE = Duration.ofSeconds(1);
    /** Lines one cycle may take: its time's worth plus one chunk. */
    private static final int MOST_PER_CYCLE = 1000 + 300;
    private static final String PADDING = "x".repeat(950);

    @TempDir
    Path root;

    private final MemoryKafka kafka = new MemoryKafka();
    private long wall = LINES_FROM.plusSeconds(60).toEpochMilli();
    private long nanos;
    /** How many lines each commit made visible. */
    private final List<Integer> linesPerCommit = new ArrayList<>();

    private TailConfig config() {
        return new TailConfig(List.of(root + "/*/*/*.log"), Set.of("istio-proxy"), "node-1", true,
                Duration.ofMillis(10), Duration.ZERO, Duration.ZERO, LineFramer.DEFAULT_MAX_LINE_CHARS, 4 << 20,
                Duration.ofSeconds(1)).withMaxCycle(MAX_CYCLE);
    }

    private FileTailer started() {
        FileTailer t = new FileTailer(config(), timed(kafka.sink()), new SimpleMeterRegistry());
        t.wallClock(() -> wall);
        t.cycleClock(() -> nanos);
        t.start();
        return t;
    }

    /** The sink, with the cycle clock advancing as lines are sent. */
    private TailSink timed(TailSink s) {
        return new ForwardingTailSink(s) {
            @Override
            public void line(RawLogLine line, long timestampMillis) {
                nanos += PER_LINE;
                super.line(line, timestampMillis);
            }

            @Override
            public void commit() {
                int before = kafka.lines.size();
                super.commit();
                linesPerCommit.add(kafka.lines.size() - before);
            }
        };
    }

    private void pollUntil(FileTailer t, int lines, int mostCycles) {
        for (int i = 0; i < mostCycles && kafka.lines.size() < lines; i++) {
            t.pollOnce();
            wall += 1000;
        }
    }

    private static KubeletDir backlog(KubeletDir d, String name, int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) sb.append(d.cri("F", name + " " + i + " " + PADDING));
        return d.raw(sb.toString());
    }

    private static long ts(RawLogLine l) {
        return Instant.parse(l.ts()).toEpochMilli();
    }

    private List<String> linesOf(String pod) {
        return kafka.lines.stream().filter(l -> l.pod().equals(pod)).map(l -> l.line().split(" ")[1]).toList();
    }

    private static List<String> numbers(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(String.valueOf(i));
        return out;
    }

    @Test
    void aBigBacklogIsCommittedInCyclesOfBoundedTimeWithNothingLostRepeatedOrReordered() {
        // Two pods' backlogs of 6,000 lines 1 ms apart (about 6 MB each), cart's starting 3 s after pay's: a cycle
        // of the old kind took 4 MiB or more (over 4,000 lines, 4 s on this clock) in one transaction.
        backlog(new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(LINES_FROM), "pay", 6000);
        backlog(new KubeletDir(root, "shop", "cart-1", "istio-proxy").clockAt(LINES_FROM.plusSeconds(3)), "cart",
                6000);

        FileTailer t = started();
        pollUntil(t, 4000, 4);
        t.close(); // a restart in the middle of the backlog: the next tailer resumes from what was committed
        FileTailer again = started();
        pollUntil(again, 12_000, 40);
        again.close();

        assertEquals(numbers(6000), linesOf("pay-7"), "every line once, in order");
        assertEquals(numbers(6000), linesOf("cart-1"), "every line once, in order");
        int most = linesPerCommit.stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(most <= MOST_PER_CYCLE, "a cycle took " + most + " lines (" + most + " ms of its clock, for a "
                + MAX_CYCLE.toMillis() + " ms budget): " + linesPerCommit);
        assertTrue(linesPerCommit.stream().filter(n -> n > 0).count() >= 12_000 / MOST_PER_CYCLE,
                linesPerCommit.toString());
        // across files, a line never went out before a line of another file written more than the slack before it
        long newest = 0;
        for (RawLogLine l : kafka.lines) {
            assertTrue(ts(l) >= newest - FileTailer.ORDER_SLACK_MS, l.pod() + " " + l.ts() + " after "
                    + Instant.ofEpochMilli(newest));
            newest = Math.max(newest, ts(l));
        }
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
    }

    @Test
    void aCycleCutShortVouchesForNoLineOfAFileItDidNotReach() {
        // pay and cart hold a backlog within the order slack of each other, more than one cycle's time of it, so a
        // cycle's time runs out in the first file it reads. Lines of 5 KiB are too long for their time to be seen
        // ahead: a file of them found later (listed after the others) and not reached must hold the heartbeat back.
        backlog(new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(LINES_FROM), "pay", 6000);
        backlog(new KubeletDir(root, "shop", "cart-1", "istio-proxy").clockAt(LINES_FROM), "cart", 6000);
        FileTailer t = started();
        t.pollOnce();
        wall += 1000;
        assertTrue(kafka.lines.size() <= MOST_PER_CYCLE, "the first cycle was cut short: " + kafka.lines.size());

        KubeletDir late = new KubeletDir(root, "shop", "zz-long-9", "istio-proxy").clockAt(LINES_FROM.plusMillis(500));
        StringBuilder longLines = new StringBuilder();
        for (int i = 0; i < 20; i++) longLines.append(late.cri("F", "long " + i + " " + "y".repeat(5000)));
        late.raw(longLines.toString());
        pollUntil(t, 12_020, 40);
        t.close();

        assertEquals(numbers(20), linesOf("zz-long-9"));
        assertEquals(12_020, kafka.lines.size());
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
    }

    @Test
    void aCycleStopsOnceItHasTakenTheByteBudgetOverAllItsFiles() {
        // Ten pods' backlogs within the order slack of each other: the first pass reads each of them. With 100 KiB a
        // cycle, it stops after the first file's first chunk (256 KiB) instead of taking a chunk of every file.
        for (int p = 0; p < 10; p++) {
            backlog(new KubeletDir(root, "shop", "pod-" + p, "istio-proxy").clockAt(LINES_FROM), "pod" + p, 300);
        }
        TailConfig c = config();
        c = new TailConfig(c.paths(), c.containers(), c.node(), true, c.pollInterval(), c.discoverInterval(),
                c.rotateQuiet(), c.maxLineChars(), 100 * 1024, c.heartbeatInterval(), Duration.ofMinutes(1));
        FileTailer t = new FileTailer(c, timed(kafka.sink()), new SimpleMeterRegistry());
        t.wallClock(() -> wall);
        t.cycleClock(() -> nanos);
        t.start();
        pollUntil(t, 3000, 40);
        t.close();
        for (int p = 0; p < 10; p++) assertEquals(numbers(300), linesOf("pod-" + p));
        int most = linesPerCommit.stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(most <= 300, "a cycle took " + most + " lines of about 1 KiB: " + linesPerCommit);
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
    }

    @Test
    void aCycleAlwaysTakesSomeLinesEvenWhenItsTimeIsUpBeforeItReads() {
        backlog(new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(LINES_FROM), "pay", 600);
        FileTailer t = new FileTailer(config(), kafka.sink(), new SimpleMeterRegistry());
        t.wallClock(() -> wall);
        t.cycleClock(() -> nanos += Duration.ofSeconds(10).toNanos()); // every look at the clock: time is up
        t.start();
        for (int i = 0; i < 10 && kafka.lines.size() < 600; i++) t.pollOnce();
        t.close();
        assertEquals(numbers(600), linesOf("pay-7"), "every cycle read a chunk, none more");
        assertTrue(kafka.commits >= 3, "about 260 lines per cycle: " + kafka.commits);
    }
}
