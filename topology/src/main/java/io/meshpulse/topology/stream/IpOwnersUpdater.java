package io.meshpulse.topology.stream;

import io.meshpulse.model.IpOwner;
import io.meshpulse.topology.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Keeps the global IP table: the newest sighting of an IP wins, a null value forgets it.
 *
 * <p>Kubernetes hands a deleted pod's IP to a new pod, often within minutes. A window is resolved when it closes,
 * and in a replay that is after the whole input was read: with only the newest owner, every call the old pod ever
 * made was put on the new pod's workload. So when an IP changes pods, the owner it had is kept beside it, under
 * {@link #historyKey} (at most {@link #HISTORY} per IP), and {@link #ownerAt} picks the owner of a window's time.
 * The topic keeps its shape (one owner per IP). A restart on the same state folder keeps the table as it was; one
 * that rebuilds it replays the topic through this processor ({@code StreamsBuilder#addGlobalStore} reprocesses on
 * restore), so the history comes back as far as the topic's compaction has kept the earlier announcements.
 */
public final class IpOwnersUpdater implements Processor<String, IpOwner, Void, Void> {
    static final int HISTORY = 8;
    private static final char SEP = '|'; // in no IPv4 or IPv6 address

    private KeyValueStore<String, IpOwner> store;
    private Table table;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(Names.IP_OWNERS_STORE);
        table = Table.of(store);
    }

    @Override
    public void process(Record<String, IpOwner> record) {
        String ip = record.key();
        if (ip == null || ip.indexOf(SEP) >= 0) return;
        IpOwner next = record.value();
        if (ip.startsWith(PROGRESS_PREFIX)) {
            // a parsing task's progress (see PartialsProcessor#sendProgress): the newest one says it all
            if (next == null) store.delete(ip);
            else store.put(ip, next);
            return;
        }
        if (next == null) {
            store.delete(ip);
            return;
        }
        apply(table, ip, next);
    }

    /**
     * The table's entries: an IP's current owner under the IP, its earlier ones under {@link #historyKey}. The
     * global store, or a task's own copy of some of it ({@link RecentAnnouncements}).
     */
    interface Table {
        IpOwner get(String key);

        void put(String key, IpOwner value);

        void delete(String key);

        /** Entries from {@code from} (included) to {@code to} (excluded), in key order. */
        KeyValueIterator<String, IpOwner> range(String from, String to);

        /** The store as a table; read only ({@link #put} and {@link #delete} throw) unless it is a KeyValueStore. */
        static Table of(ReadOnlyKeyValueStore<String, IpOwner> store) {
            KeyValueStore<String, IpOwner> writable = store instanceof KeyValueStore<String, IpOwner> w ? w : null;
            return new Table() {
                @Override
                public IpOwner get(String key) {
                    return store.get(key);
                }

                @Override
                public void put(String key, IpOwner value) {
                    if (writable == null) throw new UnsupportedOperationException("read only");
                    writable.put(key, value);
                }

                @Override
                public void delete(String key) {
                    if (writable == null) throw new UnsupportedOperationException("read only");
                    writable.delete(key);
                }

                @Override
                public KeyValueIterator<String, IpOwner> range(String from, String to) {
                    return store.range(from, to);
                }
            };
        }
    }

    /** Takes the announcement that {@code next} owns {@code ip} into {@code table}, as the IP table does. */
    static void apply(Table table, String ip, IpOwner next) {
        IpOwner current = table.get(ip);
        if (current != null && samePod(current, next)) {
            // The same pod announced again (a restarted task, or another task's cache cleared): what matters for
            // ownerAt is since when the pod held the IP, so the earlier sighting stays. Replaced by the later one,
            // a window between the two would be given to the IP's previous owner.
            if (next.seenAt() < current.seenAt()) table.put(ip, next);
            return;
        }
        if (current == null || current.seenAt() <= next.seenAt()) {
            if (current != null) keep(table, ip, current);
            table.put(ip, next);
        } else {
            keep(table, ip, next); // an earlier owner announced late (another task behind in event time)
        }
    }

    private static void keep(Table table, String ip, IpOwner earlier) {
        table.put(historyKey(ip, earlier.seenAt()), earlier);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, IpOwner> it = history(table, ip)) {
            while (it.hasNext()) keys.add(it.next().key);
        }
        // keys sort by time (fixed-width hex): drop the oldest beyond the bound
        for (int i = 0; i < keys.size() - HISTORY; i++) table.delete(keys.get(i));
    }

    /**
     * Keys of the parsing tasks' progress records in the IP topic and table ({@code progress/<task>}; no IP has a
     * slash): the record's {@code seenAt} says that the task has announced the IP of every pod in the lines it read
     * that started before then, its other fields are null. Written to the same single-partition topic after the
     * announcements they cover, so a task that reads one from the table also holds those announcements.
     */
    public static final String PROGRESS_PREFIX = "progress/";

    /** How far the parsing task whose progress key is {@code key} has announced its pods' IPs; MIN_VALUE when unknown. */
    static long progressOf(ReadOnlyKeyValueStore<String, IpOwner> table, String key) {
        IpOwner o = table.get(key);
        return o == null ? Long.MIN_VALUE : o.seenAt();
    }

    static String historyKey(String ip, long seenAt) {
        return ip + SEP + String.format("%016x", seenAt ^ Long.MIN_VALUE); // sign flipped: sorts as signed longs
    }

    /** The IP's earlier owners, oldest first. */
    static KeyValueIterator<String, IpOwner> history(Table table, String ip) {
        return table.range(ip + SEP, ip + (char) (SEP + 1));
    }

    private static boolean samePod(IpOwner a, IpOwner b) {
        return Objects.equals(a.pod(), b.pod()) && Objects.equals(a.namespace(), b.namespace());
    }

    /**
     * Who held {@code ip} for a window ending at {@code windowEnd}: the newest owner first seen before that end; when
     * every owner was first seen later (a caller whose own lines start after its calls were logged), the earliest.
     */
    static IpOwner ownerAt(ReadOnlyKeyValueStore<String, IpOwner> table, String ip, long windowEnd) {
        return ownerAt(Table.of(table), ip, windowEnd);
    }

    /** As {@link #ownerAt(ReadOnlyKeyValueStore, String, long)}, over any {@link Table}. */
    static IpOwner ownerAt(Table table, String ip, long windowEnd) {
        IpOwner current = table.get(ip);
        if (current == null || current.seenAt() < windowEnd) return current; // the usual case: no IP reuse since
        IpOwner best = current;
        IpOwner earliest = current;
        try (KeyValueIterator<String, IpOwner> it = history(table, ip)) {
            while (it.hasNext()) {
                KeyValue<String, IpOwner> kv = it.next();
                IpOwner o = kv.value;
                if (o.seenAt() < earliest.seenAt()) earliest = o;
                if (o.seenAt() < windowEnd && (best.seenAt() >= windowEnd || o.seenAt() > best.seenAt())) best = o;
            }
        }
        return best.seenAt() < windowEnd ? best : earliest;
    }
}
