package io.meshpulse.topology.stream;

import io.meshpulse.model.IpOwner;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A parsing task's own IP announcements of the last while, applied as the IP table applies them, on top of what the
 * table held for those IPs when they were announced. The table is a global store fed through a topic, so it holds
 * an announcement only once the task has committed it and the global thread has read it back; this copy has it at
 * once. With one raw partition the task is the table's only writer, so for the IPs it announced lately this copy is
 * what the table will hold: the task can resolve a window's callers without waiting for the table (a replay's end).
 * Kept for {@link #KEEP_MS} of wall clock after an IP's last announcement, by then long in the table.
 */
final class RecentAnnouncements {
    static final long KEEP_MS = 60_000;

    /** IP → wall time of its last announcement here, oldest first (an IP announced again moves to the end). */
    private final LinkedHashMap<String, Long> announced = new LinkedHashMap<>();
    private final MapTable copy = new MapTable();

    /** This task announced that {@code owner} holds {@code ip}, at wall time {@code now}; {@code table}: the IP table. */
    void announce(String ip, IpOwner owner, IpOwnersUpdater.Table table, long now) {
        if (announced.remove(ip) == null) { // (removed to be put back last: announced now)
            // start from what the table holds for the IP: its current owner and its earlier ones
            IpOwner current = table.get(ip);
            if (current != null) copy.put(ip, current);
            try (KeyValueIterator<String, IpOwner> it = IpOwnersUpdater.history(table, ip)) {
                while (it.hasNext()) {
                    KeyValue<String, IpOwner> kv = it.next();
                    copy.put(kv.key, kv.value);
                }
            }
        }
        IpOwnersUpdater.apply(copy, ip, owner);
        announced.put(ip, now);
    }

    /** Who held {@code ip} for a window ending at {@code windowEnd}: from the copy for an IP announced lately, else the table. */
    IpOwner ownerAt(String ip, long windowEnd, IpOwnersUpdater.Table table) {
        return announced.containsKey(ip) ? IpOwnersUpdater.ownerAt(copy, ip, windowEnd)
                : IpOwnersUpdater.ownerAt(table, ip, windowEnd);
    }

    /** Forgets the IPs last announced more than {@link #KEEP_MS} before {@code now}. */
    void prune(long now) {
        for (var it = announced.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() >= now - KEEP_MS) break;
            it.remove();
            String ip = e.getKey();
            copy.delete(ip);
            java.util.List<String> keys = new java.util.ArrayList<>();
            try (KeyValueIterator<String, IpOwner> h = IpOwnersUpdater.history(copy, ip)) {
                while (h.hasNext()) keys.add(h.next().key);
            }
            keys.forEach(copy::delete);
        }
    }

    /** IPs held (tests). */
    int size() {
        return announced.size();
    }

    /** An IP table in memory, in key order. */
    static final class MapTable implements IpOwnersUpdater.Table {
        private final TreeMap<String, IpOwner> entries = new TreeMap<>();

        @Override
        public IpOwner get(String key) {
            return entries.get(key);
        }

        @Override
        public void put(String key, IpOwner value) {
            entries.put(key, value);
        }

        @Override
        public void delete(String key) {
            entries.remove(key);
        }

        @Override
        public KeyValueIterator<String, IpOwner> range(String from, String to) {
            Iterator<Map.Entry<String, IpOwner>> it = entries.subMap(from, true, to, false).entrySet().iterator();
            return new KeyValueIterator<>() {
                private Map.Entry<String, IpOwner> next = it.hasNext() ? it.next() : null;

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public KeyValue<String, IpOwner> next() {
                    if (next == null) throw new java.util.NoSuchElementException();
                    KeyValue<String, IpOwner> kv = KeyValue.pair(next.getKey(), next.getValue());
                    next = it.hasNext() ? it.next() : null;
                    return kv;
                }

                @Override
                public String peekNextKey() {
                    if (next == null) throw new java.util.NoSuchElementException();
                    return next.getKey();
                }

                @Override
                public void close() {}
            };
        }

        int size() {
            return entries.size();
        }
    }
}
