package io.meshpulse.topology.stream;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the ingests' heartbeats hold back right now, as the parsing tasks of one Kafka Streams instance last saw it:
 * for the application's metrics, which cannot otherwise see a hold while it lasts (a held window has simply not
 * arrived yet).
 *
 * <p>Each parsing task reports once per punctuation (every second live): how far its closing is held behind its own
 * clock by the heartbeats' frontier, and, per ingest instance it follows ({@code tail/<node>}), how far that
 * instance's last "no unread line written before T" is behind the same clock. The clock is the one the task would
 * close on if no heartbeat held it: its event time, or, while idle, where the wall-clock idle advance would have
 * taken it; never past the wall clock (a node whose clock is ahead must not make every other tailer look behind).
 * The tailer that holds a task's windows is the one furthest behind, by exactly the task's hold.
 * A task's report goes when the task closes (moved to another instance, or the application stopping); an instance
 * the task no longer follows (expired) is no longer in its report.
 *
 * <p>The application puts one board into the Kafka Streams configuration under {@link #CONFIG}; a task finds it
 * there ({@code ProcessorContext#appConfigs()}). Without one, tasks report nothing. Thread-safe: stream threads
 * report, the metrics scrape reads.
 */
public final class CloseHolds {
    /** The Kafka Streams configuration key under which the application hands the board to its tasks. */
    public static final String CONFIG = "meshpulse.close.holds";

    /** One task's latest report; {@code owner} is the processor that made it. */
    private record Report(Object owner, long heldMillis, Map<String, Long> behindMillis) {}

    private final Map<String, Report> byTask = new ConcurrentHashMap<>();

    /**
     * Replaces the task's report.
     *
     * @param heldMillis   how far the task's closing is held behind its clock by the heartbeats (0: not held)
     * @param behindMillis per ingest instance the task follows, how far its last T is behind the clock (0 when
     *                     at or ahead of it); taken as it is, not copied
     */
    void report(String task, Object owner, long heldMillis, Map<String, Long> behindMillis) {
        byTask.put(task, new Report(owner, Math.max(0, heldMillis), behindMillis));
    }

    /** Drops the task's report, if {@code owner} made it (a newer processor of the same task may have replaced it). */
    void forget(String task, Object owner) {
        byTask.computeIfPresent(task, (k, r) -> r.owner() == owner ? null : r);
    }

    /** The longest hold over this instance's tasks, in milliseconds; 0 when none is held (or no task reports). */
    public long heldMillis() {
        long max = 0;
        for (Report r : byTask.values()) max = Math.max(max, r.heldMillis());
        return max;
    }

    /**
     * Per ingest instance followed by any of this instance's tasks, how far its heartbeats are behind, in
     * milliseconds: the most over the tasks that follow it. An instance no task follows is not there.
     */
    public Map<String, Long> behindMillis() {
        Map<String, Long> out = new TreeMap<>();
        for (Report r : byTask.values()) {
            r.behindMillis().forEach((ingest, behind) -> out.merge(ingest, behind, Math::max));
        }
        return out;
    }

    /** The tasks reporting (for tests and the log). */
    public int tasks() {
        return byTask.size();
    }

    @Override
    public String toString() {
        return "CloseHolds" + byTask.keySet(); // the board sits in the Streams configuration, which may be logged
    }
}
