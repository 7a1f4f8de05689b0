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
 *
 * <p><b>A new counter series shows 0 before its counts.</b> Prometheus takes a series' first sample as its
 * starting point, so a counter that first appears holding a window's count loses that window to {@code rate()} and
 * {@code increase()} (and a re-admitted pair, whose counter restarts, can read as no reset at all). So every counter
 * this class creates — a pair's requests, each new failure class of a pair, {@code other}'s — is registered at 0
 * and holds what it is given until every recent scraper has completed a scrape that began after the registration
 * ({@link ScrapeLog}), or until {@code holdMax} has passed (nobody scraping, or a scraper that does not come back).
 * Nothing is lost, only delayed: a held count is added the moment the counter is released, and a series dropped
 * while it holds counts hands them to {@code other}.
 *
 * <p>The other end likewise: a dropped pair's counters that show counts stay registered (without their gauges)
 * until every scraper has seen their last values, or {@code holdMax} has passed; a pair admitted again meanwhile
 * takes them up where they stood. So what an evicted pair counted just before its eviction is not lost to
 * {@code increase()} either.
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
    private final ScrapeLog scrapes;
    private final long holdMaxMs;
    private final Map<String, Series> tracked = new HashMap<>();
    /** Dropped pairs whose counters wait for their last values to be scraped. */
    private final Map<String, Series> retiring = new HashMap<>();
    private final Map<String, Score> scores = new HashMap<>();
    private final HeldCounter otherRequests;
    private final Map<String, HeldCounter> otherFailures = new HashMap<>();
    /** Counters still showing 0, in creation order. */
    private final List<HeldCounter> holding = new ArrayList<>();
    private final Counter evictions;

    /**
     * @param scrapes  who scrapes /metrics: a new counter shows its counts once each has seen it at 0
     * @param holdMaxMs a new counter shows its counts after this long at the latest (wall-clock time)
     */
    PairMetrics(MeterRegistry registry, int maxPairs, long staleAfterMs, ScrapeLog scrapes, long holdMaxMs) {
        this.registry = registry;
        this.maxPairs = maxPairs;
        this.halfLifeMs = Math.max(1, staleAfterMs);
        this.scrapes = scrapes;
        this.holdMaxMs = Math.max(0, holdMaxMs);
        this.otherRequests = requestCounter(PairLabels.OTHER_TAGS);
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
            series = new Series(PairLabels.of(s), retiring.remove(key));
            tracked.put(key, series);
        }
        if (series == null) {
            otherRequests.add(s.requests());
            s.byClass().forEach((cls, n) -> {
                if (FailureClass.isFailure(cls) && n > 0) otherFailure(cls).add(n);
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

    /**
     * Drops a pair's series (it moved to another instance, or went quiet). Its gauges go at once; what its counters
     * still hold has never been shown, so it goes to {@code other} (the sums stay exact); its counters that show
     * counts go once their last values have been scraped.
     */
    synchronized void drop(String key) {
        Series s = tracked.remove(key);
        if (s != null && s.retire()) retiring.put(key, s);
    }

    /**
     * Lets the counters that have been seen at 0 by every scraper (or waited long enough) show their counts, and
     * unregisters the dropped ones whose last values have been seen.
     */
    synchronized void release() {
        long now = scrapes.nowMs();
        for (Iterator<HeldCounter> it = holding.iterator(); it.hasNext(); ) {
            HeldCounter c = it.next();
            if (now - c.bornMs >= holdMaxMs || scrapes.seenByAllSince(c.mark)) {
                c.open();
                it.remove();
            }
        }
        for (Iterator<Series> it = retiring.values().iterator(); it.hasNext(); ) {
            Series s = it.next();
            if (now - s.retiredMs >= holdMaxMs || scrapes.seenByAllSince(s.retiredMark)) {
                s.unregister();
                it.remove();
            }
        }
    }

    /** Counters that still show 0 while holding counts (tests and diagnostics). */
    synchronized int holdingCount() {
        return holding.size();
    }

    /** Dropped pairs whose counters are still registered (tests and diagnostics). */
    synchronized int retiringCount() {
        return retiring.size();
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

    private HeldCounter otherFailure(String cls) {
        return otherFailures.computeIfAbsent(cls, c -> failureCounter(PairLabels.OTHER_TAGS, c));
    }

    private HeldCounter requestCounter(Tags pair) {
        return new HeldCounter(REQUESTS, "Requests seen by istio-proxy, per workload pair", pair);
    }

    private HeldCounter failureCounter(Tags pair, String cls) {
        return new HeldCounter(FAILURES, "Failed requests per workload pair and failure class",
                pair.and(PairLabels.FAILURE_CLASS, cls));
    }

    /**
     * A counter that is registered at 0 and keeps what it is given to itself until {@link #release} opens it.
     * Guarded by the enclosing instance's lock.
     */
    private final class HeldCounter {
        final Counter counter;
        final long mark;
        final long bornMs;
        double held;
        boolean open;

        HeldCounter(String name, String description, Tags tags) {
            this.counter = Counter.builder(name).description(description).tags(tags).register(registry);
            // The mark is taken after the registration: a scrape numbered above it began after the counter existed.
            this.mark = scrapes.mark();
            this.bornMs = scrapes.nowMs();
            holding.add(this);
        }

        void add(double n) {
            if (open) counter.increment(n);
            else held += n;
        }

        void open() {
            open = true;
            if (held > 0) counter.increment(held);
            held = 0;
        }

        /** Unregisters it; returns what it held and never showed. */
        double remove() {
            registry.remove(counter);
            if (!open) holding.remove(this);
            double h = open ? 0 : held;
            held = 0;
            return h;
        }
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
        /** Null once retired while it still held its counts. */
        HeldCounter requests;
        final Map<String, HeldCounter> failures = new HashMap<>();
        final List<Meter> gauges = new ArrayList<>();
        long retiredMark;
        long retiredMs;
        volatile double successRatio = Double.NaN;
        volatile double p50 = Double.NaN;
        volatile double p90 = Double.NaN;
        volatile double p99 = Double.NaN;

        /** @param retired the pair's series from before it was dropped, if its counters are still registered */
        Series(Tags tags, Series retired) {
            this.tags = tags;
            if (retired != null) failures.putAll(retired.failures);
            this.requests = retired != null && retired.requests != null ? retired.requests : requestCounter(tags);
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
            requests.add(s.requests());
            s.byClass().forEach((cls, n) -> {
                if (FailureClass.isFailure(cls) && n > 0) failures.computeIfAbsent(cls, c -> failureCounter(tags, c)).add(n);
            });
            successRatio = s.successRatio();
            if (s.latencyMs() != null) {
                p50 = seconds(s.latencyMs().p50());
                p90 = seconds(s.latencyMs().p90());
                p99 = seconds(s.latencyMs().p99());
            }
        }

        /**
         * Unregisters the gauges, and the counters still held (their counts go to {@code other}); returns true when
         * counters that show counts are left, to be unregistered once a scrape has seen their last values.
         */
        boolean retire() {
            gauges.forEach(registry::remove);
            gauges.clear();
            if (!requests.open) {
                otherRequests.add(requests.remove());
                requests = null;
            }
            failures.entrySet().removeIf(e -> {
                if (e.getValue().open) return false;
                otherFailure(e.getKey()).add(e.getValue().remove());
                return true;
            });
            retiredMark = scrapes.mark();
            retiredMs = scrapes.nowMs();
            return requests != null || !failures.isEmpty();
        }

        void unregister() {
            if (requests != null) requests.remove();
            failures.values().forEach(HeldCounter::remove);
        }

        private static double seconds(Double ms) {
            return ms == null ? Double.NaN : ms / 1000.0;
        }
    }
}
