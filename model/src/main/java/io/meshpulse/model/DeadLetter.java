package io.meshpulse.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Input that meshpulse could not count, with the reason. Value of topic {@code meshpulse.accesslog.dlq}
 * and of {@code dlq.jsonl}, keyed like the input.
 *
 * @param kind     a stable category for counting: {@code rejected} (not an access log), {@code late}
 *                 (its window had closed), {@code malformed} (the Kafka record could not be decoded),
 *                 {@code oversize}
 * @param reason   a human-readable reason
 * @param ts       the line's own time when known (RFC 3339), else the envelope's
 * @param line     the offending line (cut to 64 KiB)
 */
@JsonPropertyOrder({"kind", "reason", "ts", "namespace", "pod", "container", "origin", "line"})
public record DeadLetter(String kind, String reason, String ts, String namespace, String pod, String container,
                         String origin, String line) {
    public static final int MAX_LINE = 64 * 1024;

    public DeadLetter {
        if (kind == null || reason == null) throw new IllegalArgumentException("kind and reason are required");
        if (line != null && line.length() > MAX_LINE) line = line.substring(0, MAX_LINE);
    }
}
