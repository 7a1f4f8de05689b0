package io.meshpulse.ingest.tail;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How far one file has been read, as committed with the lines read from it. Value of the compacted topic
 * {@code meshpulse.ingest.checkpoints}, keyed by {@link #key(String, long, long)} ({@code node|dev:ino}).
 *
 * <p>The position is kept as a place where no logical line was open ({@code offset}: every byte before it is
 * accounted for, and the framer held nothing there) plus the number of lines handed out since
 * ({@code emitted}). A restart reads again from {@code offset} with a fresh framer and drops the first
 * {@code emitted} lines it hands out: the file's bytes before the end of the last committed line do not change,
 * so the same lines come out in the same order. This keeps a CRI line split into P/F chunks across a
 * transaction boundary, and stdout/stderr chunks interleaved around it, exact without storing framer buffers.
 *
 * @param node           the node whose file this is
 * @param path           the file's last known path (informative: the file is found again by dev/ino)
 * @param dev            the file system's device number
 * @param ino            the file's inode number
 * @param fpLen          how many leading bytes the fingerprint covers (0 for a file that was empty)
 * @param fpCrc          CRC-32 of those bytes: tells a reused inode from the file it replaced
 * @param offset         a line-complete byte position
 * @param emitted        lines handed out after {@code offset} (skipped on restart)
 * @param done           the file was rotated away and read to its end; nothing more will be read from it
 * @param followingSince epoch millis since which this node's files have been followed: a rotated file written
 *                       after that and never seen was written while the tailer was down, and is read from its start
 * @param committedAt    epoch millis of the transaction that wrote this
 */
@JsonPropertyOrder({"node", "path", "dev", "ino", "fpLen", "fpCrc", "offset", "emitted", "done", "followingSince",
        "committedAt"})
public record Checkpoint(String node, String path, long dev, long ino, int fpLen, long fpCrc, long offset,
                         int emitted, boolean done, long followingSince, long committedAt) {

    /** The compacted topic's key: one entry per file per node. */
    public static String key(String node, long dev, long ino) {
        return node + "|" + dev + ":" + ino;
    }

    public String key() {
        return key(node, dev, ino);
    }
}
