package io.meshpulse.topology.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meshpulse.model.RawLogLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a raw-topic value. A {@link RawLogLine} JSON object is the contract; a value that is not one but is
 * text (someone piping lines with a console producer, keyed {@code namespace/pod}) is taken as the line itself.
 *
 * <p>This runs once per line, so it reads the object with Jackson's streaming parser instead of data binding
 * (about a fifth of the parsing task's time went to binding when it was profiled); unknown fields are skipped.
 */
final class RawLines {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RawLines() {}

    /** Never throws; returns null when the value cannot be read at all. */
    static RawLogLine decode(String key, byte[] value) {
        if (value == null || value.length == 0) return null;
        if (value[0] == '{') {
            RawLogLine raw = decodeObject(value);
            if (raw != null) return raw;
            // an access log line in Istio's JSON encoding, sent as-is: fall through
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

    /**
     * The RawLogLine in {@code value}, or null when it is not one (no string "line" field, or not JSON). Istio's
     * own JSON access-log lines have no "line" field, so they come back null and are parsed as lines.
     */
    private static RawLogLine decodeObject(byte[] value) {
        String ts = null, ns = null, pod = null, container = null, node = null, line = null, origin = null;
        try (JsonParser p = FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    if (name.equals("line")) return null; // an Istio JSON line has no object-valued "line"
                    p.skipChildren();
                    continue;
                }
                String s = v == JsonToken.VALUE_NULL ? null : v == JsonToken.VALUE_STRING ? p.getText() : null;
                if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
                    if (name.equals("line")) return null;
                    continue;
                }
                switch (name) {
                    case "ts" -> ts = s;
                    case "namespace" -> ns = s;
                    case "pod" -> pod = s;
                    case "container" -> container = s;
                    case "node" -> node = s;
                    case "line" -> line = s;
                    case "origin" -> origin = s;
                    default -> { }
                }
            }
            if (t != JsonToken.END_OBJECT || line == null) return null;
            return new RawLogLine(ts, ns, pod, container, node, line, origin);
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }
}
