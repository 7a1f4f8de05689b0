package io.meshpulse.app.serve;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.parse.FailureClass;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-pair series from closed windows, with bounded cardinality.
 *
 * <p>At most {@code maxPairs} pairs have series of their own; every other pair adds into one series whose pair
 * labels are all {@code other}. A pair keeps its series once it has one (a counter that hops between series would
 * make {@code rate()} lie), until it goes quiet for {@code staleAfter} or a pair that matters much more needs the
 * slot: each pair has a score, requests plus 100 per failure, halved every {@code staleAfter} of stream time; a
 * newcomer takes the weakest slot only when its score is more than twice the weakest's. So a failing pair gets a
 * series of its own even in a mesh with thousands of healthy pairs.
 *
 * <p>Counters count requests and failures per failure class; gauges show the newest window (success ratio,
 * latency quantiles). Thread-safe: the feed thread writes, the scrape reads.
 */
final class PairMetrics {
    static final String REQUESTS = "meshpulse.requests";
    static final String FAILURES = "meshpulse.request.failures";
    static final String SUCCESS_RATIO = "meshpulse.pair.success.ratio";
    static final String DURATION = "meshpulse.pair.request.duration";
    static final String TRACKED = "meshpulse.metrics.tracked.pairs";
    static final String EVICTIONS = "meshpulse.metrics.pair.evictions";

    private static final double FAILURE_WEIGHT = 100;

    private final MeterRegistry registry;
    private final int maxPairs;
    private final long halfLifeMs;
    private final Map<String, Series> tracked = new HashMap<>();
    private final Map<String, Score> scores = new HashMap<>();
    private final Counter otherRequests;
    private final Map<String, Counter> otherFailures = new HashMap<>();
    private final Counter evictions;

    PairMetrics(MeterRegistry registry, int maxPairs, long staleAfterMs) {
        this.registry = registry;
        this.maxPairs = maxPairs;
        this.halfLifeMs = Math.max(1, staleAfterMs);
        this.otherRequests = Counter.builder(REQUESTS).description("Requests seen by istio-proxy, per workload pair")
                .tags(PairLabels.OTHER_TAGS).register(registry);
        this.evictions = Counter.builder(EVICTIONS)
                .description("Pairs whose series were dropped to make room for a pair with more traffic or failures")
                .register(registry);
        Gauge.builder(TRACKED, this, PairMetrics::trackedCount)
                .description("Pairs with series of their own (at most the configured limit)").register(registry);
    }

    synchronized int trackedCount() {
        return tracked.size();
    }

    synchronized boolean isTracked(String key) {
        return tracked.containsKey(key);
    }

    /** Adds one closed window of a pair this instance owns. */
    synchronized void accept(String key, PairWindowStats s, long windowEndMs) {
        Score sc = scores.computeIfAbsent(key, k -> new Score());
        sc.add(windowEndMs, s.requests() + FAILURE_WEIGHT * s.failures(), halfLifeMs);
        Series series = tracked.get(key);
        if (series == null && admit(key, sc, windowEndMs)) {
            series = new Series(PairLabels.of(s));
            tracked.put(key, series);
        }
        if (series == null) {
            otherRequests.increment(s.requests());
            s.byClass().forEach((cls, n) -> {
                if (FailureClass.isFailure(cls) && n > 0) {
                    otherFailures.computeIfAbsent(cls, c -> failureCounter(PairLabels.OTHER_TAGS, c)).increment(n);
                }
            });
        } else {
            series.add(s);
        }
    }

    private boolean admit(String key, Score candidate, long now) {
        if (tracked.size() < maxPairs) return true;
        String weakest = null;
        double weakestScore = Double.MAX_VALUE;
        for (String k : tracked.keySet()) {
            Score s = scores.get(k);
            double v = s == null ? 0 : s.at(now, halfLifeMs);
            if (v < weakestScore) {
                weakestScore = v;
                weakest = k;
            }
        }
        if (weakest != null && candidate.at(now, halfLifeMs) > 2 * weakestScore) {
            drop(weakest);
            evictions.increment();
            return true;
        }
        return false;
    }

    /** Drops a pair's series (it moved to another instance, or went quiet). */
    synchronized void drop(String key) {
        Series s = tracked.remove(key);
        if (s != null) s.remove();
    }

    /** Drops pairs with no window for {@code staleAfter}: their gauges would otherwise show a stale ratio forever. */
    synchronized void sweep(long clockMs) {
        for (Iterator<Map.Entry<String, Score>> it = scores.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Score> e = it.next();
            if (clockMs - e.getValue().lastMs > halfLifeMs) {
                drop(e.getKey());
                it.remove();
            }
        }
    }

    synchronized List<String> trackedKeys() {
        return new ArrayList<>(tracked.keySet());
    }

    private Counter failureCounter(Tags pair, String cls) {
        return Counter.builder(FAILURES).description("Failed requests per workload pair and failure class")
                .tags(pair).tag(PairLabels.FAILURE_CLASS, cls).register(registry);
    }

    /** A decayed activity score, in stream time. */
    private static final class Score {
        double value;
        long lastMs = Long.MIN_VALUE;

        void add(long now, double amount, long halfLife) {
            value = at(now, halfLife) + amount;
            lastMs = Math.max(lastMs, now);
        }

        double at(long now, long halfLife) {
            if (lastMs == Long.MIN_VALUE || now <= lastMs) return value;
            return value * Math.pow(0.5, (double) (now - lastMs) / halfLife);
        }
    }

    /** The meters of one tracked pair. */
    private final class Series {
        final Tags tags;
        final Counter requests;
        final Map<String, Counter> failures = new HashMap<>();
        final List<Meter> gauges = new ArrayList<>();
        volatile double successRatio = Double.NaN;
        volatile double p50 = Double.NaN;
        volatile double p90 = Double.NaN;
        volatile double p99 = Double.NaN;

        Series(Tags tags) {
            this.tags = tags;
            this.requests = Counter.builder(REQUESTS).description("Requests seen by istio-proxy, per workload pair")
                    .tags(tags).register(registry);
            gauges.add(Gauge.builder(SUCCESS_RATIO, this, x -> x.successRatio).tags(tags).strongReference(true)
                    .description("Share of requests that did not fail, in the pair's newest closed window")
                    .register(registry));
            gauges.add(quantile("0.5", x -> x.p50));
            gauges.add(quantile("0.9", x -> x.p90));
            gauges.add(quantile("0.99", x -> x.p99));
        }

        private Meter quantile(String q, java.util.function.ToDoubleFunction<Series> f) {
            return Gauge.builder(DURATION, this, f).tags(tags).tag("quantile", q).baseUnit("seconds")
                    .strongReference(true)
                    .description("Request duration quantiles in the pair's newest closed window (1% relative error)")
                    .register(registry);
        }

        void add(PairWindowStats s) {
            requests.increment(s.requests());
            s.byClass().forEach((cls, n) -> {
                if (FailureClass.isFailure(cls) && n > 0) {
                    failures.computeIfAbsent(cls, c -> failureCounter(tags, c)).increment(n);
                }
            });
            successRatio = s.successRatio();
            if (s.latencyMs() != null) {
                p50 = seconds(s.latencyMs().p50());
                p90 = seconds(s.latencyMs().p90());
                p99 = seconds(s.latencyMs().p99());
            }
        }

        void remove() {
            registry.remove(requests);
            failures.values().forEach(registry::remove);
            gauges.forEach(registry::remove);
        }

        private static double seconds(Double ms) {
            return ms == null ? Double.NaN : ms / 1000.0;
        }
    }
}
