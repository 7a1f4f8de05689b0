package io.meshpulse.app.serve;

import io.meshpulse.model.Json;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.ParseResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.UnknownStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads this instance's part of the stores (active tasks only). Callers route: key queries come here only on the
 * owning instance, fan-out queries merge the answers of every instance.
 */
final class LocalQueries {
    /** The alerts sub-topology's store: fingerprint → newest Alert (firing, or recently resolved). */
    static final String ALERTS_STORE = "alerts-current";

    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);
    private static final JsonCodec<PairExemplars> EXEMPLARS = new JsonCodec<>(PairExemplars.class);

    private final KafkaStreams streams;

    LocalQueries(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Windows that start at or after {@code from} and end at or before {@code to}, grouped by pair key. */
    Map<String, List<PairWindowStats>> windows(long from, long to, Predicate<String> keyFilter) {
        ReadOnlyWindowStore<String, Object> store = windowStore(Names.PAIR_STATS_STORE);
        Map<String, List<PairWindowStats>> out = new TreeMap<>();
        try (KeyValueIterator<Windowed<String>, Object> it = store.fetchAll(Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, Object> kv = it.next();
                if (!keyFilter.test(kv.key.key())) continue;
                PairWindowStats s = stats(kv.value);
                if (Instant.parse(s.windowEnd()).toEpochMilli() > to) continue;
                out.computeIfAbsent(kv.key.key(), k -> new ArrayList<>()).add(s);
            }
        }
        out.values().forEach(l -> l.sort(Comparator.comparing(PairWindowStats::windowStart)));
        return out;
    }

    List<TriageModel.PairRow> pairs(long from, long to, Predicate<String> keyFilter) {
        List<TriageModel.PairRow> rows = new ArrayList<>();
        windows(from, to, keyFilter).forEach((k, w) -> rows.add(summarize(k, w)));
        return rows;
    }

    /** Newest-first example lines of one pair, of one class (all failure classes when null). */
    List<TriageModel.Sample> samples(String key, String failureClass, long from, long to, int limit) {
        ReadOnlyWindowStore<String, Object> store = windowStore(Names.PAIR_EXEMPLARS_STORE);
        List<TriageModel.Sample> out = new ArrayList<>();
        AccessLogParser parser = new AccessLogParser();
        try (WindowStoreIterator<Object> it = store.backwardFetch(key, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))) {
            while (it.hasNext() && out.size() < limit) {
                KeyValue<Long, Object> kv = it.next();
                PairExemplars ex = exemplars(kv.value);
                String ws = io.meshpulse.model.Times.rfc3339(kv.key);
                List<TriageModel.Sample> window = new ArrayList<>();
                for (Map.Entry<String, List<String>> e : new TreeMap<>(ex.byClass()).entrySet()) {
                    if (failureClass != null ? !failureClass.equalsIgnoreCase(e.getKey()) : !FailureClass.isFailure(e.getKey())) {
                        continue;
                    }
                    for (String line : e.getValue()) window.add(new TriageModel.Sample(ws, e.getKey(), line));
                }
                for (TriageModel.Sample x : newestFirst(window, parser)) {
                    if (out.size() >= limit) break;
                    out.add(x);
                }
            }
        }
        return out;
    }

    /**
     * One window's examples, newest first as the windows are (a window keeps them in the order it picked them, which
     * is not time order); a line that does not parse goes last.
     */
    static List<TriageModel.Sample> newestFirst(List<TriageModel.Sample> window, AccessLogParser parser) {
        Map<TriageModel.Sample, Long> start = new java.util.IdentityHashMap<>(); // each line parsed once
        for (TriageModel.Sample x : window) start.put(x, startOf(parser, x.line()));
        List<TriageModel.Sample> sorted = new ArrayList<>(window);
        sorted.sort(Comparator.comparingLong((TriageModel.Sample x) -> start.get(x)).reversed());
        return sorted;
    }

    /** The start time of an example line, or MIN_VALUE when it does not parse. */
    static long startOf(AccessLogParser parser, String line) {
        return parser.parse(line) instanceof ParseResult.Parsed p ? p.record().startTimeMillis() : Long.MIN_VALUE;
    }

    /** Every alert in this instance's part of the alerts store, as JSON objects (the Alert contract). */
    List<Map<String, Object>> alerts() {
        ReadOnlyKeyValueStore<String, Object> store = streams.store(
                StoreQueryParameters.fromNameAndType(ALERTS_STORE, QueryableStoreTypes.keyValueStore()));
        List<Map<String, Object>> out = new ArrayList<>();
        try (KeyValueIterator<String, Object> it = store.all()) {
            while (it.hasNext()) out.add(asMap(it.next().value));
        }
        return out;
    }

    boolean hasStore(String name) {
        return streams.metadataForAllStreamsClients().stream().anyMatch(m -> m.stateStoreNames().contains(name));
    }

    private ReadOnlyWindowStore<String, Object> windowStore(String name) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.windowStore()));
        } catch (UnknownStateStoreException e) {
            throw new StoreMissing(name);
        }
    }

    static TriageModel.PairRow summarize(String key, List<PairWindowStats> w) {
        long req = 0, fail = 0;
        Map<String, Long> byClass = new TreeMap<>();
        Map<String, Long> byCode = new TreeMap<>();
        Double p99Max = null;
        LatencySummary latest = null;
        String lastFailure = null;
        for (PairWindowStats s : w) {
            req += s.requests();
            fail += s.failures();
            s.byClass().forEach((c, n) -> byClass.merge(c, n, Long::sum));
            s.byCodeClass().forEach((c, n) -> byCode.merge(c, n, Long::sum));
            if (s.latencyMs() != null && s.latencyMs().p99() != null) {
                p99Max = p99Max == null ? s.latencyMs().p99() : Math.max(p99Max, s.latencyMs().p99());
            }
            if (s.latencyMs() != null && s.requests() > 0) latest = s.latencyMs();
            if (s.failures() > 0) lastFailure = s.windowEnd();
        }
        String failingSince = null;
        for (int i = w.size() - 1; i >= 0 && w.get(i).failures() > 0; i--) {
            if (i < w.size() - 1 && !w.get(i).windowEnd().equals(w.get(i + 1).windowStart())) break;
            failingSince = w.get(i).windowStart();
        }
        PairWindowStats first = w.get(0);
        double ratio = req == 0 ? 1.0 : Math.round((double) (req - fail) / req * 1e6) / 1e6;
        return new TriageModel.PairRow(key, first.reporter(), first.source(), first.destination(), req, fail, ratio,
                byClass, byCode, latest, p99Max, w.size(), first.windowStart(), w.get(w.size() - 1).windowEnd(),
                failingSince, lastFailure);
    }

    static PairWindowStats stats(Object v) {
        if (v instanceof PairWindowStats s) return s;
        if (v instanceof byte[] b) return STATS.decode(b);
        if (v instanceof String s) return STATS.decode(s.getBytes(StandardCharsets.UTF_8));
        throw new IllegalStateException("unexpected value type in pair-stats: " + v.getClass().getName());
    }

    static PairExemplars exemplars(Object v) {
        if (v instanceof PairExemplars e) return e;
        if (v instanceof byte[] b) return EXEMPLARS.decode(b);
        if (v instanceof String s) return EXEMPLARS.decode(s.getBytes(StandardCharsets.UTF_8));
        throw new IllegalStateException("unexpected value type in pair-exemplars: " + v.getClass().getName());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object v) {
        Object o = v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : v;
        try {
            if (o instanceof String s) return Json.MAPPER.readValue(s, Map.class);
            return Json.MAPPER.convertValue(o, Map.class);
        } catch (Exception e) {
            Map<String, Object> m = new HashMap<>();
            m.put("error", "undecodable alert: " + e.getMessage());
            return m;
        }
    }

    /** The application has no such store (e.g. the alerts sub-topology is not part of it). */
    static final class StoreMissing extends RuntimeException {
        StoreMissing(String name) {
            super("store " + name + " is not part of this application");
        }
    }
}
