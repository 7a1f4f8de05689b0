package io.meshpulse.ingest.loganalytics;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.model.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Log Analytics poller's state: the cursor (the end of the last range read), whether the last poll was cut at
 * the row limit (the next one then pages on from the cursor instead of re-reading the overlap), and the hashes of the
 * rows sent whose TimeGenerated is still inside the overlap, each with that time. JSON
 * {@code {"cursor":"<instant>","seen":"<base64 of 16-byte (hash, millis) pairs>"}}, with {@code "paging":true} and {@code "pagingSince"} while
 * paging: about 22 bytes per row.
 */
final class Checkpoint {
    Instant cursor;
    boolean paging;
    /**
     * While paging: when the poll that started it ran. A row may become queryable after that poll with a
     * TimeGenerated behind the pages (up to the overlap before it), which no page asks for; so the cursor goes back
     * no later than this when paging ends, and the next poll's overlap reads those rows.
     */
    Instant pagingSince;
    final Map<Long, Long> seen = new LinkedHashMap<>();

    static Checkpoint read(String text) {
        Checkpoint c = new Checkpoint();
        if (text == null || text.isBlank()) return c;
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            c.cursor = Instant.parse(n.path("cursor").asText());
            c.paging = n.path("paging").asBoolean(false);
            if (n.hasNonNull("pagingSince")) c.pagingSince = Instant.parse(n.path("pagingSince").asText());
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(n.path("seen").asText("")));
            while (b.remaining() >= 16) c.seen.put(b.getLong(), b.getLong());
            return c;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable log-analytics checkpoint: " + e.getMessage(), e);
        }
    }

    String write() {
        ByteBuffer b = ByteBuffer.allocate(seen.size() * 16);
        seen.forEach((h, t) -> b.putLong(h).putLong(t));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cursor", cursor == null ? null : cursor.toString());
        if (paging) m.put("paging", true);
        if (paging && pagingSince != null) m.put("pagingSince", pagingSince.toString());
        m.put("seen", Base64.getEncoder().encodeToString(b.array()));
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps the {@code max} newest hashes. */
    void trimTo(int max) {
        long[] times = seen.values().stream().mapToLong(Long::longValue).sorted().toArray();
        long cut = times[times.length - max];
        seen.values().removeIf(t -> t < cut);
        var it = seen.entrySet().iterator();
        while (seen.size() > max && it.hasNext()) {
            if (it.next().getValue() == cut) it.remove();
        }
    }
}
