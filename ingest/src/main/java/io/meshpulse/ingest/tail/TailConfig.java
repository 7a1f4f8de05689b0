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
 * @param maxBytesPerFile    most bytes read from one file per cycle (fairness between files, bounded transactions)
 * @param heartbeatInterval  how often a heartbeat ("no unread line written before T") goes to every partition of the
 *                           raw topic, in the cycle's transaction after its lines; zero sends none
 */
public record TailConfig(List<String> paths, Set<String> containers, String node, boolean fromBeginning,
                         Duration pollInterval, Duration discoverInterval, Duration rotateQuiet, int maxLineChars,
                         int maxBytesPerFile, Duration heartbeatInterval) {

    public TailConfig {
        if (paths == null || paths.isEmpty()) throw new IllegalArgumentException("at least one path is required");
        if (node == null || node.isBlank()) throw new IllegalArgumentException("node is required");
        containers = containers == null ? Set.of() : Set.copyOf(containers);
        paths = List.copyOf(paths);
        if (heartbeatInterval == null || heartbeatInterval.isNegative()) heartbeatInterval = Duration.ZERO;
    }

    public static TailConfig defaults(List<String> paths, String node) {
        return new TailConfig(paths, Set.of("istio-proxy"), node, false, Duration.ofMillis(250), Duration.ofSeconds(1),
                Duration.ofSeconds(2), LineFramer.DEFAULT_MAX_LINE_CHARS, 4 << 20, DEFAULT_HEARTBEAT_INTERVAL);
    }

    /** Once a second: the parsing tasks' idle clock then lags what the tailer has read by about that much. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    public TailConfig withHeartbeatInterval(Duration d) {
        return new TailConfig(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet,
                maxLineChars, maxBytesPerFile, d);
    }

    public TailConfig withContainers(Set<String> c) {
        return new TailConfig(paths, c, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval);
    }

    public TailConfig withFromBeginning(boolean b) {
        return new TailConfig(paths, containers, node, b, pollInterval, discoverInterval, rotateQuiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval);
    }

    public TailConfig withTimings(Duration poll, Duration discover, Duration quiet) {
        return new TailConfig(paths, containers, node, fromBeginning, poll, discover, quiet, maxLineChars,
                maxBytesPerFile, heartbeatInterval);
    }

    public TailConfig withMaxLineChars(int max) {
        return new TailConfig(paths, containers, node, fromBeginning, pollInterval, discoverInterval, rotateQuiet, max,
                maxBytesPerFile, heartbeatInterval);
    }
}
