package io.meshpulse.topology.stream;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MalformedRecordException;
import io.meshpulse.model.RawLogLine;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a raw-topic value. A {@link RawLogLine} JSON object is the contract; a value that is not one but is
 * text (someone piping lines with a console producer, keyed {@code namespace/pod}) is taken as the line itself.
 */
final class RawLines {
    private static final JsonCodec<RawLogLine> CODEC = new JsonCodec<>(RawLogLine.class);

    private RawLines() {}

    /** Never throws; returns null when the value cannot be read at all. */
    static RawLogLine decode(String key, byte[] value) {
        if (value == null || value.length == 0) return null;
        if (value[0] == '{') {
            try {
                RawLogLine raw = CODEC.decode(value);
                if (raw != null) return raw;
            } catch (MalformedRecordException | IllegalArgumentException notRaw) {
                // an access log line in Istio's JSON encoding, sent as-is: fall through
            }
        }
        String ns = null;
        String pod = null;
        if (key != null) {
            int slash = key.indexOf('/');
            if (slash > 0) {
                ns = key.substring(0, slash);
                pod = key.substring(slash + 1);
            }
        }
        String line = new String(value, StandardCharsets.UTF_8);
        if (line.indexOf('\0') >= 0) return null;
        return new RawLogLine(null, ns, pod, null, null, line, "kafka");
    }
}
