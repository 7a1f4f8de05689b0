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

    /**
     * One raw record's fields, decoded into a line buffer that is reused from one record to the next (one instance
     * per processor). The line is kept as UTF-8 bytes, which is what the parser reads; its String is made only when
     * asked for (an example line kept, a dead letter).
     */
    static final class Fields {
        String namespace;
        String pod;
        String container;
        String node;
        private String ts;
        private String origin;
        byte[] line = new byte[2048];
        int lineLength;
        private String lineText;
        /** The record's bytes and the spans of its time and origin, decoded only when asked for (dead letters). */
        private byte[] source;
        private int tsSpan = -1;
        private int originSpan = -1;
        /**
         * Recent values of the short fields (namespace, pod, container, node), direct-mapped by hash: they repeat
         * from record to record, a hit costs a hash and a compare instead of a String, and the same String instance
         * comes back, whose hash the maps downstream have already computed.
         */
        private final byte[][] recentBytes = new byte[RECENT][];
        private final String[] recent = new String[RECENT];

        String line() {
            if (lineText == null) lineText = new String(line, 0, lineLength, StandardCharsets.UTF_8);
            return lineText;
        }

        String ts() {
            if (tsSpan >= 0) {
                ts = spanText(tsSpan);
                tsSpan = -1;
            }
            return ts;
        }

        String origin() {
            if (originSpan >= 0) {
                origin = spanText(originSpan);
                originSpan = -1;
            }
            return origin;
        }

        private String spanText(int span) {
            int from = span >>> 16;
            return new String(source, from, (span & 0xFFFF) - from, StandardCharsets.ISO_8859_1);
        }

        RawLogLine toRawLogLine() {
            return new RawLogLine(ts(), namespace, pod, container, node, line(), origin());
        }

        /** {@code b[from, to)}, plain ASCII without escapes, as a String, from the recent values when it is one. */
        private String shortText(byte[] b, int from, int to) {
            int len = to - from;
            if (len > MAX_RECENT) return new String(b, from, len, StandardCharsets.ISO_8859_1);
            int h = len;
            for (int i = from; i < to; i++) h = 31 * h + b[i];
            int slot = (h ^ (h >>> 7) ^ (h >>> 15)) & (RECENT - 1);
            byte[] k = recentBytes[slot];
            if (k != null && java.util.Arrays.equals(k, 0, k.length, b, from, to)) return recent[slot];
            String v = new String(b, from, len, StandardCharsets.ISO_8859_1);
            recentBytes[slot] = java.util.Arrays.copyOfRange(b, from, to);
            recent[slot] = v;
            return v;
        }

        private void set(RawLogLine raw) {
            tsSpan = originSpan = -1;
            source = null;
            ts = raw.ts();
            namespace = raw.namespace();
            pod = raw.pod();
            container = raw.container();
            node = raw.node();
            origin = raw.origin();
            byte[] b = raw.line().getBytes(StandardCharsets.UTF_8);
            line = b.length > line.length ? b : line;
            System.arraycopy(b, 0, line, 0, b.length);
            lineLength = b.length;
            lineText = raw.line();
        }

        private void clear() {
            ts = namespace = pod = container = node = origin = null;
            tsSpan = originSpan = -1;
            source = null;
            lineLength = -1;
            lineText = null;
        }

        /** The line buffer, grown to hold at least {@code capacity} bytes (what it held is kept). */
        private byte[] grow(int capacity) {
            if (capacity > line.length) line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, capacity));
            return line;
        }
    }

    /**
     * Decodes {@code value} into {@code out}, as {@link #decode(String, byte[])} would; false when it cannot be read
     * at all. The objects meshpulse's own producers write (a flat object of ASCII strings and nulls) are read here
     * directly from the bytes; anything else (non-ASCII text, numbers, nesting, malformed JSON, plain text) goes the
     * general way, so both ways always agree.
     */
    static boolean decode(String key, byte[] value, Fields out) {
        if (value != null && value.length > 0 && value[0] == '{' && quick(value, out)) return true;
        return decodeGenerally(key, value, out);
    }

    /** As {@link #decode(String, byte[], Fields)} with the record's key as bytes, made a String only if needed. */
    static boolean decodeRecord(byte[] key, byte[] value, Fields out) {
        if (value != null && value.length > 0 && value[0] == '{' && quick(value, out)) return true;
        return decodeGenerally(key == null ? null : new String(key, StandardCharsets.UTF_8), value, out);
    }

    private static boolean decodeGenerally(String key, byte[] value, Fields out) {
        RawLogLine raw = decode(key, value);
        if (raw == null) return false;
        out.set(raw);
        return true;
    }

    /** The direct read of a flat object of ASCII strings and nulls with a string "line"; false to decline. */
    static boolean quick(byte[] b, Fields out) {
        out.clear();
        int n = b.length;
        int i = ws(b, 1);
        if (i >= n || b[i] != '"') return false;
        while (true) {
            // the name: plain ASCII, no escapes
            int ks = i + 1;
            int ke = ks;
            while (ke < n && b[ke] != '"') {
                if (b[ke] == '\\' || b[ke] < 0x20) return false; // negative bytes (non-ASCII) too
                ke++;
            }
            if (ke >= n) return false;
            i = ws(b, ke + 1);
            if (i >= n || b[i] != ':') return false;
            i = ws(b, i + 1);
            if (i >= n) return false;
            int field = field(b, ks, ke);
            if (b[i] == 'n') {
                if (i + 4 > n || b[i + 1] != 'u' || b[i + 2] != 'l' || b[i + 3] != 'l') return false;
                i += 4;
                if (field == LINE) out.lineLength = -1;
                else if (field >= 0) setField(out, field, null);
            } else if (b[i] == '"') {
                if (field == LINE) {
                    out.lineText = null;
                    i = lineString(b, i + 1, out);
                } else {
                    int vs = i + 1;
                    int ve = plainRun(b, vs);
                    if (ve < n && b[ve] == '"') { // no escapes: the common case
                        if (field == TS || field == ORIGIN) {
                            if (ve >= 1 << 16) return false; // spans are two 16-bit offsets
                            out.source = b;
                            if (field == TS) out.tsSpan = vs << 16 | ve;
                            else out.originSpan = vs << 16 | ve;
                        } else if (field >= 0) {
                            setField(out, field, out.shortText(b, vs, ve));
                        }
                        i = ve + 1;
                    } else {
                        StringBuilder sb = new StringBuilder();
                        i = string(b, vs, sb);
                        if (i >= 0 && field >= 0) setField(out, field, sb.toString());
                    }
                }
                if (i < 0) return false;
            } else {
                return false; // numbers, booleans, objects, arrays: the general way
            }
            i = ws(b, i);
            if (i >= n) return false;
            if (b[i] == '}') break;
            if (b[i] != ',') return false;
            i = ws(b, i + 1);
            if (i >= n || b[i] != '"') return false;
        }
        return out.lineLength >= 0;
    }

    private static final int LINE = 0;
    private static final int TS = 1;
    private static final int ORIGIN = 6;
    private static final int RECENT = 512;
    private static final int MAX_RECENT = 96;
    private static final String[] NAMES = {"line", "ts", "namespace", "pod", "container", "node", "origin"};

    private static int field(byte[] b, int s, int e) {
        outer:
        for (int f = 0; f < NAMES.length; f++) {
            String name = NAMES[f];
            if (name.length() != e - s) continue;
            for (int k = 0; k < name.length(); k++) {
                if (b[s + k] != name.charAt(k)) continue outer;
            }
            return f;
        }
        return -1;
    }

    private static void setField(Fields out, int field, String v) {
        switch (field) {
            case 1 -> {
                out.ts = v;
                out.tsSpan = -1;
            }
            case 2 -> out.namespace = v;
            case 3 -> out.pod = v;
            case 4 -> out.container = v;
            case 5 -> out.node = v;
            case 6 -> {
                out.origin = v;
                out.originSpan = -1;
            }
            default -> { }
        }
    }

    /**
     * Reads the "line" string's content from {@code i} (after the opening quote) into the line buffer of
     * {@code out}, as {@link #string} would; returns the index after the closing quote, or -1 to decline.
     *
     * <p>An access-log line in JSON has an escaped quote every dozen bytes or so (a TEXT line has about twenty), so
     * the plain runs between escapes are short: each eight-byte word is stored into the buffer as it is tested
     * (the buffer is grown first when a whole word would not fit past the length), and the length moves on by the
     * bytes of the word that are plain. That is one load, one store and one test per word, with no copy call per run.
     */
    private static int lineString(byte[] b, int i, Fields out) {
        final int n = b.length;
        byte[] dst = out.line;
        int len = 0;
        while (true) {
            int plain = 8;
            while (i + 8 <= n) {
                if (len + 8 > dst.length) dst = out.grow(len + 8);
                long w = (long) LONGS.get(b, i);
                LONGS.set(dst, len, w);
                long m = special(w);
                if (m != 0) {
                    plain = Long.numberOfTrailingZeros(m) >>> 3;
                    i += plain;
                    len += plain;
                    break;
                }
                i += 8;
                len += 8;
            }
            if (plain == 8) { // fewer than eight bytes of the value left: plainRun ends them a byte at a time
                int r = plainRun(b, i);
                if (len + (r - i) > dst.length) dst = out.grow(len + (r - i));
                System.arraycopy(b, i, dst, len, r - i);
                len += r - i;
                i = r;
                if (i >= n) return -1;
            }
            byte c = b[i];
            if (c == '"') {
                out.lineLength = len;
                return i + 1;
            }
            if (c != '\\' || i + 1 >= n) return -1; // a control character or non-ASCII byte, or a cut escape
            int e = unescape(b, i + 1);
            if (e < 0) return -1;
            i += escapeLength(e);
            if (len == dst.length) dst = out.grow(len + 1);
            dst[len++] = (byte) e;
        }
    }

    /**
     * The ASCII character that the escape after the backslash at {@code at - 1} stands for, with bit 8 set when it
     * was a six-byte {@code \\uXXXX} escape; -1 when it is invalid or stands for a non-ASCII character.
     */
    private static int unescape(byte[] b, int at) {
        switch (b[at]) {
            case '"', '\\', '/' -> {
                return b[at];
            }
            case 'b' -> {
                return '\b';
            }
            case 'f' -> {
                return '\f';
            }
            case 'n' -> {
                return '\n';
            }
            case 'r' -> {
                return '\r';
            }
            case 't' -> {
                return '\t';
            }
            case 'u' -> {
                if (at + 5 > b.length) return -1;
                int v = 0;
                for (int k = 1; k <= 4; k++) {
                    int d = Character.digit(b[at + k], 16);
                    if (d < 0) return -1;
                    v = v * 16 + d;
                }
                return v >= 0x80 ? -1 : 0x100 | v;
            }
            default -> {
                return -1;
            }
        }
    }

    /** The bytes of the escape {@link #unescape} decoded as {@code e}: six for {@code \\uXXXX}, else two. */
    private static int escapeLength(int e) {
        return (e & 0x100) == 0 ? 2 : 6;
    }

    /**
     * Reads a JSON string's content from {@code i} (after the opening quote) into {@code text}; returns the index
     * after the closing quote, or -1 to decline (non-ASCII, a control character, an escape that is invalid or stands
     * for a non-ASCII character).
     */
    private static int string(byte[] b, int i, StringBuilder text) {
        int n = b.length;
        while (i < n) {
            byte c = b[i];
            if (c == '"') return i + 1;
            if (c < 0x20) return -1; // also every byte of a multi-byte character (negative)
            if (c == '\\') {
                if (i + 1 >= n) return -1;
                int e = unescape(b, i + 1);
                if (e < 0) return -1;
                i += escapeLength(e);
                c = (byte) e;
            } else {
                i++;
            }
            text.append((char) c);
        }
        return -1;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * The index of the first byte from {@code i} that ends a plain run of a JSON string: a quote, a backslash, a
     * control character or a non-ASCII byte; {@code b.length} when there is none. Eight bytes a step: each test
     * flags a matching byte's high bit; a test can also flag bytes above its first true match (a borrow), never
     * below, so the lowest flag of all is the first byte that matches.
     */
    static int plainRun(byte[] b, int i) {
        int n = b.length;
        for (; i + 8 <= n; i += 8) {
            long m = special((long) LONGS.get(b, i));
            if (m != 0) return i + (Long.numberOfTrailingZeros(m) >>> 3);
        }
        while (i < n && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20) i++;
        return i;
    }

    /** {@link #plainRun}'s test of one little-endian word: its lowest flagged byte is the first that ends a run. */
    private static long special(long w) {
        long quote = w ^ 0x2222222222222222L;
        long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
        return (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((w - 0x2020202020202020L) & ~w) | w)
                & HIGHS;
    }

    private static int ws(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
        return i;
    }

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
