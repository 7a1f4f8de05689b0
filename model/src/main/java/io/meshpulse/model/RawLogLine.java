package io.meshpulse.model;

/**
 * One log line as read from where the mesh wrote it, before parsing. Value of topic
 * {@code meshpulse.accesslog.raw}, keyed by {@link #key()} ({@code namespace/pod}).
 *
 * @param ts        when the line was written (the envelope's time, RFC 3339), or null when the source gives none
 * @param namespace the pod's namespace
 * @param pod       the pod name
 * @param container the container name (istio-proxy for sidecars and gateways)
 * @param node      the node, when known
 * @param line      the line's content with any CRI/docker/kubectl envelope removed and partials rejoined
 * @param origin    where it came from: {@code file:<path>}, {@code stdin}, {@code log-analytics}, …
 */
public record RawLogLine(String ts, String namespace, String pod, String container, String node, String line,
                         String origin) {
    public RawLogLine {
        if (line == null) throw new IllegalArgumentException("line is required");
    }

    /** The Kafka key: pods keep their order within a partition. */
    public String key() {
        return (namespace == null ? "-" : namespace) + "/" + (pod == null ? "-" : pod);
    }
}
