package io.meshpulse.topology.attribute;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The services one server pod was called through, per port, as its own inbound lines named them (the mTLS SNI or
 * the authority). A line that names no service (a plaintext caller refused with NR filter_chain_not_found has no
 * SNI, no authority and no cluster) takes its service from here: the one service the pod was called through on
 * the same port.
 *
 * <p>Time matters twice. For a window ending at {@code windowEnd} only sightings that started before it count, so
 * the answer is fixed once the window's grace has passed (a later line of that time would be late, and is not
 * learnt from) and does not depend on when the window is actually resolved. And a service not seen for
 * {@link #MEMORY_MILLIS} before the window is forgotten, so a Service renamed or removed does not make the port
 * ambiguous for good.
 *
 * <p>Plain Java, no Kafka: the topology keeps one per pod in a store, and tests that compute pairs without Kafka
 * use the same rules.
 */
public final class ServedServices {
    /** How long a sighting keeps a service in the answer: 6 hours. */
    public static final long MEMORY_MILLIS = 6 * 3600_000L;
    /** Distinct (port, service) sightings kept per pod; the one seen least recently gives way. */
    static final int MAX_ENTRIES = 8;
    private static final int FORMAT = 1;

    private final List<Entry> entries;

    private static final class Entry {
        final String port;
        final String service;
        long firstSeen;
        long lastSeen;

        Entry(String port, String service, long firstSeen, long lastSeen) {
            this.port = port;
            this.service = service;
            this.firstSeen = firstSeen;
            this.lastSeen = lastSeen;
        }
    }

    public ServedServices() {
        this.entries = new ArrayList<>(2);
    }

    private ServedServices(List<Entry> entries) {
        this.entries = entries;
    }

    /**
     * Records that a line starting at {@code start} reached this pod on {@code port} (null when the line did not
     * say) through {@code service}. Returns whether anything changed (so that a store is written only then): the
     * last sighting is kept to the minute, as it only decides forgetting, measured in hours.
     */
    public boolean learn(String port, String service, long start) {
        if (service == null) return false;
        for (Entry e : entries) {
            if (Objects.equals(e.port, port) && e.service.equals(service)) {
                boolean changed = false;
                if (start < e.firstSeen) {
                    e.firstSeen = start;
                    changed = true;
                }
                if (start - e.lastSeen >= 60_000) {
                    e.lastSeen = start;
                    changed = true;
                }
                return changed;
            }
        }
        if (entries.size() >= MAX_ENTRIES) {
            Entry stalest = entries.get(0);
            for (Entry e : entries) if (e.lastSeen < stalest.lastSeen) stalest = e;
            entries.remove(stalest);
        }
        entries.add(new Entry(port, service, start, start));
        return true;
    }

    /**
     * The service a line without one reached this pod through, for the window ending at {@code windowEnd}: the only
     * service seen on {@code port} (any port when the line named none) before the window's end and within
     * {@link #MEMORY_MILLIS} of it; null when none was, or when several were (the pod backs several Services on
     * that port, and nothing in the line says which one the caller used).
     */
    public String serviceAt(String port, long windowEnd) {
        String found = null;
        for (Entry e : entries) {
            if (port != null && e.port != null && !e.port.equals(port)) continue;
            if (e.firstSeen >= windowEnd || e.lastSeen < windowEnd - MEMORY_MILLIS) continue;
            if (found == null) {
                found = e.service;
            } else if (!found.equals(e.service)) {
                return null;
            }
        }
        return found;
    }

    /** Whether every sighting is older than {@code before}: the pod is gone, or called no more, and can be forgotten. */
    public boolean staleBefore(long before) {
        for (Entry e : entries) if (e.lastSeen >= before) return false;
        return true;
    }

    public byte[] encode() {
        BinaryWriter w = new BinaryWriter(32 + entries.size() * 64).writeByte(FORMAT).writeVarLong(entries.size());
        for (Entry e : entries) {
            w.writeString(e.port).writeString(e.service).writeLongBE(e.firstSeen).writeLongBE(e.lastSeen);
        }
        return w.toByteArray();
    }

    public static ServedServices decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return new ServedServices();
        BinaryReader r = new BinaryReader(bytes);
        if (r.readByte() != FORMAT) return new ServedServices(); // a newer format: learn again rather than misread
        int n = (int) r.readVarLong();
        List<Entry> entries = new ArrayList<>(Math.max(2, n));
        for (int i = 0; i < n; i++) {
            entries.add(new Entry(r.readString(), r.readString(), r.readLongBE(), r.readLongBE()));
        }
        return new ServedServices(entries);
    }
}
