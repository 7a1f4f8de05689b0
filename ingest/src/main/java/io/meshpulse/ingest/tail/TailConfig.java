package io.meshpulse.ingest.tail;

import io.meshpulse.ingest.framing.LineFramer;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Settings of {@link FileTailer}.
 *
 * @param paths              globs ({@code /var/log/pods/*}{@code /istio-proxy/*.log}) or folders (every {@code *.log}
 *                           below them)
 * @param containers         container names to follow; empty follows every container
 * @param node               the node name put on every line and in the checkpoint keys
 * @param fromBeginning      on a node's very first start, read existing files from their start (default: from
 *                           their end). Later starts always resume from the checkpoints.
 * @param pollInterval       how long to wait when no file grew
 * @param discoverInterval   how often to look for new files and rotations
 * @param rotateQuiet        how long a rotated file must stay unchanged at its end before it is closed
 * @param maxLineChars       longest logical line; longer ones go to the dead-letter topic, cut
 * @param maxBytesPerFile    most bytes read from one file per cycle (fairness between files), and about the most a
 *                           cycle reads over all files (bounded transactions: a cycle stops once past it)
 * @param heartbeatInterval  how often a heartbeat ("no unread line written before T") goes to every partition of the
 *                           raw topic, in the cycle's transaction after its lines; zero sends none
 * @param maxCycle           how long one cycle (one Kafka transaction) goes on taking lines: once it has run that
 *                           long, it stops reading and commits what it has, and the next cycle goes on from there.
 *                           Keeps a transaction well inside the producer's {@code transaction.timeout.ms} however
 *                           big the backlog and however slow the disk; a cycle always takes some lines, so it moves
 *                           on even when listing the files alone took longer
 */
public record TailConfig(List<String> paths, Set<String> containers, String node, boolean fromBeginning,
                         Duration pollInterval, Duration discoverInterval, Duration rotateQuiet, int maxLineChars,
                         int maxBytesPerFile, Duration heartbeatInterval, Duration maxCycle) {

    public TailConfig {
        if (paths == null || paths.isEmpty()) throw new IllegalArgumentException("at least one path is required");
        if (node == null || node.isBlank()) throw new IllegalArgumentException("node is required");
        containers = containers == null ? Set.of() : Set.copyOf(containers);
        paths = List.copyOf(paths);
        if (heartbeatInterval == null || heartbeatInterval.isNegative()) heartbeatInterval = Duration.ZERO;
        if (maxCycle == null || maxCycle.isZero() || maxCycle.isNegative()) maxCycle = DEFAULT_MAX_CYCLE;
    }

    /** The settings with the default {@link #maxCycle}. */
    public TailConfig(List<String> paths, Set<String> containers, String node, boolean fromBeginning,
                      Duration pollInterval, Duration discoverInterval, Duration rotateQuiet, int maxLineChars,
                      int maxBytesPerFile, Duration heartbeatInterval) {
        this(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval, DEFAULT_MAX_CYCLE);
    }

    public static TailConfig defaults(List<String> paths, String node) {
        return new TailConfig(paths, Set.of("istio-proxy"), node, false, Duration.ofMillis(250), Duration.ofSeconds(1),
                Duration.ofSeconds(2), LineFramer.DEFAULT_MAX_LINE_CHARS, 4 << 20, DEFAULT_HEARTBEAT_INTERVAL);
    }

    /** Once a second: the parsing tasks' idle clock then lags what the tailer has read by about that much. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    /**
     * A third of the tailer's transaction timeout ({@code KafkaTailSink}, 15 s): what the cycle sent may still be
     * in the producer's buffer when it stops reading, and the commit flushes that before the coordinator's clock
     * runs out.
     */
    public static final Duration DEFAULT_MAX_CYCLE = Duration.ofSeconds(5);

    public TailConfig withMaxCycle(Duration d) {
        return new TailConfig(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet,
                maxLineChars, maxBytesPerFile, heartbeatInterval, d);
    }

    public TailConfig withHeartbeatInterval(Duration d) {
        return new TailConfig(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet,
                maxLineChars, maxBytesPerFile, d, maxCycle);
    }

    public TailConfig withContainers(Set<String> c) {
        return new TailConfig(paths, c, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval, maxCycle);
    }

    public TailConfig withFromBeginning(boolean b) {
        return new TailConfig(paths, containers, node, b, pollInterval, discoverInterval, rotateQuiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval, maxCycle);
    }

    public TailConfig withTimings(Duration poll, Duration discover, Duration quiet) {
        return new TailConfig(paths, containers, node, fromBeginning, poll, discover, quiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval, maxCycle);
    }

    public TailConfig withMaxLineChars(int max) {
        return new TailConfig(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet, max,
                maxBytesPerFile, heartbeatInterval, maxCycle);
    }
}
