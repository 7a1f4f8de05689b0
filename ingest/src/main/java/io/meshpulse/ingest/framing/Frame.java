package io.meshpulse.ingest.framing;

/**
 * What {@link LineFramer} makes of one physical line.
 *
 * @param kind       COMPLETE when {@code content} holds a whole logical line to hand on; PARTIAL when the physical
 *                   line was buffered (or skipped) and there is nothing to emit yet
 * @param content    the logical line without its envelope and without the trailing newline; null when PARTIAL
 * @param timeMillis the envelope's timestamp in epoch milliseconds (for a rejoined line, that of its first chunk),
 *                   or -1 when the envelope carries none
 * @param stream     {@code stdout} / {@code stderr} from the envelope, or null when it has none
 * @param envelope   {@link #CRI}, {@link #DOCKER}, {@link #FLUENT_BIT}, {@link #KUBECTL_TIMESTAMPS} or {@link #PLAIN}
 * @param problem    null for a clean line; otherwise why the content should be dead-lettered rather than parsed
 *                   (longer than the cap, or cut off by the end of input)
 */
public record Frame(Kind kind, String content, long timeMillis, String stream, String envelope, String problem) {

    public static final String CRI = "cri";
    public static final String DOCKER = "docker";
    public static final String FLUENT_BIT = "fluent-bit";
    public static final String KUBECTL_TIMESTAMPS = "kubectl-timestamps";
    public static final String PLAIN = "plain";

    public enum Kind { COMPLETE, PARTIAL }

    public Frame {
        if (kind == null) throw new IllegalArgumentException("kind is required");
        if (envelope == null) throw new IllegalArgumentException("envelope is required");
        if (kind == Kind.COMPLETE && content == null) throw new IllegalArgumentException("COMPLETE needs content");
    }

    /** True for a COMPLETE frame without a problem: the content can go to the parser. */
    public boolean isClean() {
        return kind == Kind.COMPLETE && problem == null;
    }
}
