package io.meshpulse.ingest.framing;

/**
 * One logical log line with its envelope removed, or a note that a chunk was buffered.
 *
 * @param content    the line as the container wrote it (no envelope, no trailing newline); null for PARTIAL
 * @param timeMillis the envelope's write time, or -1 when the line carried none
 * @param stream     stdout or stderr when the envelope says, else null
 * @param envelope   cri, docker, kubectl-timestamps or plain
 * @param truncated  true when the line was cut: too long, or a partial with no final chunk
 */
public record Frame(Kind kind, String content, long timeMillis, String stream, String envelope, boolean truncated) {
    public enum Kind { COMPLETE, PARTIAL }
}
