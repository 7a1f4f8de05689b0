package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer's heartbeats ("no unread line written before T"), with its output in {@link MemoryKafka} and its wall
 * clock driven by the test. The files' lines carry CRI times from 2026-11-20T10:00:00Z on, 1 ms apart.
 */
class FileTailerHeartbeatTest {
    private static final String INSTANCE = "tail/node-1";
    private static final Instant LINES_FROM = Instant.parse("2026-11-20T10:00:00Z");

    @TempDir
    Path root;

    private final MemoryKafka kafka = new MemoryKafka();
    private long wall = LINES_FROM.plusSeconds(60).toEpochMilli();

    private TailConfig config(int maxBytesPerFile) {
        return new TailConfig(List.of(root + "/*/*/*.log"), Set.of("istio-proxy"), "node-1", true,
                Duration.ofMillis(10), Duration.ZERO, Duration.ZERO, LineFramer.DEFAULT_MAX_LINE_CHARS, maxBytesPerFile,
                Duration.ofSeconds(1));
    }

    private FileTailer started(TailConfig c) {
        FileTailer t = new FileTailer(c, kafka.sink(), new SimpleMeterRegistry());
        t.wallClock(() -> wall);
        t.start();
        return t;
    }

    /** {@code n} cycles of {@code t}, the wall clock a second further after each. */
    private void cycles(FileTailer t, int n) {
        for (int i = 0; i < n; i++) {
            t.pollOnce();
            wall += 1000;
        }
    }

    private List<MemoryKafka.Beat> beats() {
        return kafka.log.stream().filter(o -> o instanceof MemoryKafka.Beat).map(o -> (MemoryKafka.Beat) o).toList();
    }

    @Test
    void aHeartbeatFollowsTheLinesOfItsCycleInTheSameCommit() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a1").line("a2");
        FileTailer t = started(config(4 << 20));
        int commitsBefore = kafka.commits;
        t.pollOnce();

        assertEquals(commitsBefore + 1, kafka.commits, "lines and heartbeat in one commit");
        assertEquals(3, kafka.log.size(), kafka.log.toString());
        assertEquals("a1", ((RawLogLine) kafka.log.get(0)).line());
        assertEquals("a2", ((RawLogLine) kafka.log.get(1)).line());
        assertEquals(new MemoryKafka.Beat(INSTANCE, wall), kafka.log.get(2),
                "everything written before the cycle began was read: the heartbeat vouches for the cycle's start");
        t.close();
        a.line("unused");
    }

    @Test
    void anIdleTailerSendsOneHeartbeatPerIntervalEachInItsOwnCommit() {
        new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a1");
        FileTailer t = started(config(4 << 20));
        long first = wall;
        for (int i = 0; i < 12; i++) { // 3 s of 250 ms cycles with nothing new
            t.pollOnce();
            wall += 250;
        }
        assertEquals(List.of(new MemoryKafka.Beat(INSTANCE, first), new MemoryKafka.Beat(INSTANCE, first + 1000),
                new MemoryKafka.Beat(INSTANCE, first + 2000)), beats());
        t.close();
    }

    @Test
    void aFileWithUnreadLinesHoldsTheHeartbeatBackToItsNextLine() {
        // A backlog that takes several cycles: a cycle reads one buffer (256 KiB) of a file once past the budget.
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        String padding = "x".repeat(100);
        StringBuilder backlog = new StringBuilder();
        for (int i = 0; i < 8000; i++) backlog.append(a.cri("F", "backlog line " + i + " " + padding));
        a.raw(backlog.toString());
        FileTailer t = started(config(300));
        cycles(t, 10);
        assertEquals(8000, kafka.lines.size());
        List<MemoryKafka.Beat> beats = beats();
        assertTrue(beats.size() > 3, beats.toString());
        assertTrue(beats.get(0).upTo() < LINES_FROM.plusSeconds(10).toEpochMilli(),
                "while the backlog is read, the heartbeat stays at its lines' times: " + beats.get(0));
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
        assertEquals(wall - 1000, beats.get(beats.size() - 1).upTo(), "caught up: the cycle's start again");
        t.close();
    }

    @Test
    void linesHeldBackForOlderLinesOfAnotherFileHoldTheHeartbeatToo() {
        KubeletDir late = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        KubeletDir early = new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(LINES_FROM.minusSeconds(30));
        for (int i = 0; i < 20; i++) {
            late.line("late " + i);
            early.line("early " + i);
        }
        FileTailer t = started(config(200));
        cycles(t, 40);
        assertEquals(40, kafka.lines.size());
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
        t.close();
    }

    /**
     * A restart whose first listing holds neither a rotation it was reading nor that rotation's gzipped copy (being
     * renamed into place) vouches for nothing until the copy is found and read: the rotation's lines are older than
     * its container's live file's.
     */
    @Test
    void aRotationOutOfSightAtARestartHoldsTheHeartbeatUntilItsCopyIsRead() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a1");
        FileTailer t = started(config(4 << 20));
        t.pollOnce();
        t.close();
        a.clockAt(Instant.ofEpochMilli(wall + 1000)).line("a2");
        Path first = a.rotate();
        a.line("a3");
        KubeletDir.OutOfSight copy = a.compressOutOfSight(first);
        wall += 5000;
        FileTailer again = started(config(4 << 20));
        int beatsBefore = beats().size();
        cycles(again, 3);
        assertEquals(beatsBefore, beats().size(), "nothing vouched for while the rotation is out of sight");
        copy.show();
        cycles(again, 3);
        assertEquals(List.of("a1", "a2", "a3"),
                kafka.lines.stream().map(RawLogLine::line).toList());
        assertTrue(beats().size() > beatsBefore, "heartbeats again once the copy is read");
        kafka.assertNoLineOlderThanAnEarlierHeartbeat();
        again.close();
    }

    /**
     * A pod is deleted, and the file system gives its finished rotation's inode to a new pod's log file before the
     * tailer's next listing. The old pod's folder is gone, so no copy of that rotation can come: nothing is waited
     * for, and the heartbeats go on with the new pod's lines.
     */
    @Test
    void aDeletedPodsInodeGivenToANewPodHoldsNoHeartbeat() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a1");
        FileTailer t = started(config(4 << 20));
        Path rotated = a.rotate();
        a.line("a2");
        cycles(t, 3);
        KubeletDir b = new KubeletDir(root, "shop", "cart-2", "istio-proxy");
        java.nio.file.Files.newOutputStream(rotated, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING).close();
        java.nio.file.Files.move(rotated, b.live()); // cart-2's log on cart-1's rotation's inode
        java.nio.file.Files.delete(a.live());
        java.nio.file.Files.delete(a.dir);
        java.nio.file.Files.delete(a.dir.getParent());
        b.clockAt(Instant.ofEpochMilli(wall)).line("b1");
        int beatsBefore = beats().size();
        long cycle = wall;
        t.pollOnce();
        assertEquals(List.of("a1", "a2", "b1"), kafka.lines.stream().map(RawLogLine::line).toList());
        assertEquals(beatsBefore + 1, beats().size(), "a heartbeat for the cycle: " + beats());
        assertEquals(new MemoryKafka.Beat(INSTANCE, cycle), beats().get(beats().size() - 1));
        t.close();
    }

    @Test
    void noHeartbeatWhenTheIntervalIsZero() {
        new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a1");
        FileTailer t = started(config(4 << 20).withHeartbeatInterval(Duration.ZERO));
        cycles(t, 5);
        assertEquals(List.of(), beats());
        t.close();
    }
}
