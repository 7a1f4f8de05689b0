package io.meshpulse.app.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import io.meshpulse.model.Times;
import io.meshpulse.topology.Names;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The triage API's answers, right whatever the number of instances: a key query runs on the instance that owns the
 * key (others forward it there); a list query asks every instance that hosts the store for its part
 * ({@code scope=local}) and merges. Relative ranges ({@code since=15m}) are resolved once, by the instance that was
 * asked, against the stream clock (the newest closed window end), and passed on as absolute times, so that every
 * instance answers for the same range — and a replay of last month's logs answers like live data.
 */
final class Triage {
    static final Duration DEFAULT_SINCE = Duration.ofMinutes(15);
    private static final Duration ROUTING_DEADLINE = Duration.ofSeconds(15);

    private final LocalQueries local;
    private final Ownership ownership;
    private final StatsFeed feed;
    private final HttpClient http;
    private final String token;

    Triage(LocalQueries local, Ownership ownership, StatsFeed feed, String token) {
        this.local = local;
        this.ownership = ownership;
        this.feed = feed;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    record Range(long from, long to) {}

    Range range(Params p) {
        Long to = p.time("to");
        Long from = p.time("from");
        if (to == null) {
            long clock = feed.clockMs();
            to = clock == Long.MIN_VALUE ? System.currentTimeMillis() : clock;
        }
        if (from == null) from = to - p.duration("since", DEFAULT_SINCE).toMillis();
        if (from > to) throw new Params.BadRequest("from is after to");
        return new Range(from, to);
    }

    private static Map<String, String> absolute(Range r) {
        Map<String, String> m = new HashMap<>();
        m.put("from", Long.toString(r.from()));
        m.put("to", Long.toString(r.to()));
        m.put("since", null);
        m.put("scope", "local");
        return m;
    }

    // ---- /api/v1/pairs

    TriageModel.Pairs pairs(Params p) {
        Range r = range(p);
        String sort = p.get("sort", "failures");
        Comparator<TriageModel.PairRow> order = order(sort);
        int limit = p.intValue("limit", 50, 1, 10_000);
        Predicate<String> filter = PairMatch.scope(p.get("namespace"), p.get("reporter"));
        boolean failing = p.bool("failing");
        Function<Void, List<TriageModel.PairRow>> mine = x -> local.pairs(r.from(), r.to(), filter).stream()
                .filter(row -> !failing || row.failures() > 0).sorted(order).limit(limit).toList();
        if (p.local()) {
            return new TriageModel.Pairs(Times.rfc3339(r.from()), Times.rfc3339(r.to()), sort, 1, List.of(),
                    retrying(() -> mine.apply(null)));
        }
        FanOut<TriageModel.Pairs> all = fanOut(Names.PAIR_STATS_STORE, "/api/v1/pairs", p.with(absolute(r)),
                new TypeReference<>() {}, () -> new TriageModel.Pairs(null, null, sort, 1, List.of(), mine.apply(null)));
        List<TriageModel.PairRow> rows = new ArrayList<>();
        all.answers().forEach(a -> rows.addAll(a.pairs()));
        rows.sort(order);
        return new TriageModel.Pairs(Times.rfc3339(r.from()), Times.rfc3339(r.to()), sort, all.instances(), all.missing(),
                rows.stream().limit(limit).toList());
    }

    static Comparator<TriageModel.PairRow> order(String sort) {
        Comparator<TriageModel.PairRow> byKey = Comparator.comparing(TriageModel.PairRow::key);
        return switch (sort) {
            case "failures" -> Comparator.comparingLong(TriageModel.PairRow::failures).reversed()
                    .thenComparing(Comparator.comparingLong(TriageModel.PairRow::requests).reversed()).thenComparing(byKey);
            case "requests" -> Comparator.comparingLong(TriageModel.PairRow::requests).reversed().thenComparing(byKey);
            case "ratio" -> Comparator.comparingDouble(TriageModel.PairRow::successRatio)
                    .thenComparing(Comparator.comparingLong(TriageModel.PairRow::failures).reversed()).thenComparing(byKey);
            case "latency" -> Comparator.comparing((TriageModel.PairRow x) -> x.p99MaxMs() == null ? -1 : x.p99MaxMs())
                    .reversed().thenComparing(byKey);
            default -> throw new Params.BadRequest("sort must be failures, requests, ratio or latency: " + sort);
        };
    }

    // ---- /api/v1/pairs/{source}/{destination}/timeline

    TriageModel.Timeline timeline(String source, String destination, Params p) {
        Range r = range(p);
        Predicate<String> filter = PairMatch.pair(source, destination, p.get("reporter"));
        java.util.function.Supplier<List<TriageModel.Series>> mine = () -> {
            List<TriageModel.Series> out = new ArrayList<>();
            local.windows(r.from(), r.to(), filter).forEach((k, w) -> out.add(new TriageModel.Series(k,
                    w.get(0).reporter(), w.get(0).source(), w.get(0).destination(), w)));
            return out;
        };
        if (p.local()) {
            return new TriageModel.Timeline(source, destination, Times.rfc3339(r.from()), Times.rfc3339(r.to()), 1,
                    List.of(), retrying(mine));
        }
        String path = "/api/v1/pairs/" + enc(source) + "/" + enc(destination) + "/timeline";
        FanOut<TriageModel.Timeline> all = fanOut(Names.PAIR_STATS_STORE, path, p.with(absolute(r)), new TypeReference<>() {},
                () -> new TriageModel.Timeline(source, destination, null, null, 1, List.of(), mine.get()));
        List<TriageModel.Series> series = new ArrayList<>();
        all.answers().forEach(a -> series.addAll(a.series()));
        series.sort(Comparator.comparing(TriageModel.Series::key));
        return new TriageModel.Timeline(source, destination, Times.rfc3339(r.from()), Times.rfc3339(r.to()),
                all.instances(), all.missing(), series);
    }

    // ---- /api/v1/samples?pair=KEY&class=UC

    TriageModel.Samples samples(Params p) {
        String key = required(p, "pair");
        PairMatch.Key.parse(key);
        String cls = p.get("class");
        Range r = range(p);
        int limit = p.intValue("limit", 5, 1, 500);
        if (!local.hasStore(Names.PAIR_EXEMPLARS_STORE)) {
            return new TriageModel.Samples(key, cls, Times.rfc3339(r.from()), Times.rfc3339(r.to()), false, List.of());
        }
        if (!p.local()) {
            HostInfo owner = owner(Names.PAIR_EXEMPLARS_STORE, key);
            if (!owner.equals(ownership.self())) {
                return get(owner, "/api/v1/samples", p.with(absolute(r)), new TypeReference<TriageModel.Samples>() {});
            }
        }
        return new TriageModel.Samples(key, cls, Times.rfc3339(r.from()), Times.rfc3339(r.to()), true,
                retrying(() -> local.samples(key, cls, r.from(), r.to(), limit)));
    }

    // ---- /api/v1/alerts?status=firing

    TriageModel.Alerts alerts(Params p) {
        String status = p.get("status", "firing");
        if (!List.of("firing", "resolved", "all").contains(status)) {
            throw new Params.BadRequest("status must be firing, resolved or all: " + status);
        }
        if (!local.hasStore(LocalQueries.ALERTS_STORE)) {
            return new TriageModel.Alerts(status, false, 0, List.of(), List.of());
        }
        Predicate<Map<String, Object>> keep = a -> status.equals("all") || status.equals(a.get("status"));
        String pair = p.get("pair");
        Predicate<Map<String, Object>> ofPair = pair == null ? a -> true : a -> pair.equals(pairKeyOf(a));
        if (p.local()) {
            return new TriageModel.Alerts(status, true, 1, List.of(),
                    retrying(() -> local.alerts().stream().filter(keep).filter(ofPair).toList()));
        }
        FanOut<TriageModel.Alerts> all = fanOut(LocalQueries.ALERTS_STORE, "/api/v1/alerts",
                p.with(Map.of("scope", "local")), new TypeReference<>() {},
                () -> new TriageModel.Alerts(status, true, 1, List.of(),
                        local.alerts().stream().filter(keep).filter(ofPair).toList()));
        List<Map<String, Object>> alerts = new ArrayList<>();
        all.answers().forEach(a -> alerts.addAll(a.alerts()));
        alerts.sort(Comparator.comparing(
                        (Map<String, Object> a) -> -Alert.severityRank(String.valueOf(a.get("severity"))))
                .thenComparing(a -> String.valueOf(a.get("startsAt")), Comparator.reverseOrder())
                .thenComparing(a -> String.valueOf(a.get("fingerprint"))));
        return new TriageModel.Alerts(status, true, all.instances(), all.missing(), alerts);
    }

    /** The pair key an alert is about, built like the topology builds it. */
    @SuppressWarnings("unchecked")
    static String pairKeyOf(Map<String, Object> a) {
        Map<String, Object> s = (Map<String, Object>) a.get("source");
        Map<String, Object> d = (Map<String, Object>) a.get("destination");
        return a.get("reporter") + "|" + dash(s, "namespace") + "/" + dash(s, "workload") + "|" + dash(d, "namespace")
                + "/" + dash(d, "service") + "/" + dash(d, "workload");
    }

    private static String dash(Map<String, Object> m, String k) {
        Object v = m == null ? null : m.get(k);
        return v == null ? "-" : v.toString();
    }

    // ---- /api/v1/explain?pair=KEY

    TriageModel.Explain explain(Params p) {
        String key = required(p, "pair");
        PairMatch.Key.parse(key);
        Range r = range(p);
        if (!p.local()) {
            HostInfo owner = owner(Names.PAIR_STATS_STORE, key);
            if (!owner.equals(ownership.self())) {
                return get(owner, "/api/v1/explain", p.with(absolute(r)), new TypeReference<TriageModel.Explain>() {});
            }
        }
        List<io.meshpulse.model.PairWindowStats> w = retrying(() -> local.windows(r.from(), r.to(), key::equals))
                .getOrDefault(key, List.of());
        TriageModel.PairRow stats = w.isEmpty() ? null : LocalQueries.summarize(key, w);
        List<Map<String, Object>> alerts = alerts(Params.parse("status=firing&pair=" + enc(key))).alerts();
        String top = null;
        if (stats != null) {
            top = stats.byClass().entrySet().stream()
                    .filter(e -> io.meshpulse.topology.parse.FailureClass.isFailure(e.getKey()))
                    .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                    .map(Map.Entry::getKey).orElse(null);
        }
        List<TriageModel.Sample> samples = List.of();
        if (top != null && local.hasStore(Names.PAIR_EXEMPLARS_STORE)) {
            String cls = top;
            samples = retrying(() -> local.samples(key, cls, r.from(), r.to(), 5));
        }
        String verdict;
        String summary;
        if (stats == null) {
            verdict = "no-data";
            summary = "No closed window of this pair between " + Times.rfc3339(r.from()) + " and " + Times.rfc3339(r.to()) + ".";
        } else if (stats.failures() == 0) {
            verdict = "healthy";
            summary = String.format("%,d requests, none failed.", stats.requests());
        } else {
            verdict = stats.failingSince() != null ? "failing" : "recovered";
            summary = String.format("%,d of %,d requests failed (%.1f%%), mostly %s (%,d)%s.", stats.failures(),
                    stats.requests(), 100.0 * stats.failures() / stats.requests(), top, stats.byClass().get(top),
                    stats.failingSince() != null ? "; failing in every window since " + stats.failingSince()
                            : "; the newest window had no failure (last failure in the window ending " + stats.lastFailureAt() + ")");
        }
        List<String> next = new ArrayList<>();
        for (Map<String, Object> a : alerts) {
            Object d = a.get("diagnosis");
            if (d instanceof Map<?, ?> dm && dm.get("commands") instanceof List<?> cmds) cmds.forEach(c -> next.add(String.valueOf(c)));
        }
        if (top != null) next.add("meshpulse triage samples '" + key + "' --class " + top);
        return new TriageModel.Explain(key, Times.rfc3339(r.from()), Times.rfc3339(r.to()), verdict, summary, stats, top,
                top == null ? null : FailureMeanings.of(top), alerts, samples, next);
    }

    // ---- routing

    record FanOut<T>(List<T> answers, int instances, List<String> missing) {}

    private <T> FanOut<T> fanOut(String store, String path, String query, TypeReference<T> type,
                                 java.util.function.Supplier<T> localAnswer) {
        Collection<HostInfo> hosts = hosts(store);
        Map<HostInfo, CompletableFuture<T>> remote = new LinkedHashMap<>();
        for (HostInfo h : hosts) {
            if (!h.equals(ownership.self())) remote.put(h, getAsync(h, path, query, type));
        }
        List<T> answers = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        if (hosts.contains(ownership.self())) answers.add(retrying(localAnswer));
        remote.forEach((h, f) -> {
            try {
                answers.add(f.join());
            } catch (RuntimeException e) {
                missing.add(h.host() + ":" + h.port());
            }
        });
        return new FanOut<>(answers, hosts.size(), missing);
    }

    private Collection<HostInfo> hosts(String store) {
        long deadline = System.nanoTime() + ROUTING_DEADLINE.toNanos();
        while (true) {
            Collection<HostInfo> h = ownership.hostsOf(store);
            if (!h.isEmpty() && ownership.running()) return h;
            if (System.nanoTime() > deadline) throw new Unavailable("no instance hosts " + store + " yet (starting or rebalancing)");
            pause();
        }
    }

    private HostInfo owner(String store, String key) {
        long deadline = System.nanoTime() + ROUTING_DEADLINE.toNanos();
        while (true) {
            HostInfo h = ownership.ownerOf(store, key);
            if (h != null && ownership.running()) return h;
            if (System.nanoTime() > deadline) throw new Unavailable("the owner of " + key + " is not known yet (rebalancing)");
            pause();
        }
    }

    /** Local stores are briefly unavailable around a rebalance: retry within the deadline. */
    private static <T> T retrying(java.util.function.Supplier<T> query) {
        long deadline = System.nanoTime() + ROUTING_DEADLINE.toNanos();
        while (true) {
            try {
                return query.get();
            } catch (InvalidStateStoreException e) {
                if (e instanceof org.apache.kafka.streams.errors.UnknownStateStoreException) throw e;
                if (System.nanoTime() > deadline) throw new Unavailable("store not queryable: " + e.getMessage());
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // polling metadata state within a deadline
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        }
    }

    private <T> CompletableFuture<T> getAsync(HostInfo h, String path, String query, TypeReference<T> type) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + h.host() + ":" + h.port() + path + "?" + query))
                .timeout(Duration.ofSeconds(30)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> {
            if (resp.statusCode() != 200) {
                throw new Unavailable("instance " + h.host() + ":" + h.port() + " answered " + resp.statusCode());
            }
            try {
                return Json.MAPPER.readValue(resp.body(), type);
            } catch (java.io.IOException e) {
                throw new Unavailable("instance " + h.host() + ":" + h.port() + " sent an unreadable answer");
            }
        });
    }

    private <T> T get(HostInfo h, String path, String query, TypeReference<T> type) {
        try {
            return getAsync(h, path, query, type).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Unavailable u ? u : new Unavailable("instance " + h.host() + ":" + h.port()
                    + " did not answer: " + e.getCause());
        }
    }

    private static String required(Params p, String k) {
        String v = p.get(k);
        if (v == null) throw new Params.BadRequest("missing parameter " + k);
        return v;
    }

    static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The answer cannot be given right now (503): starting, rebalancing, or an owner that does not answer. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }
}
