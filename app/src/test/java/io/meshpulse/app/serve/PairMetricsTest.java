package io.meshpulse.app.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Bounded cardinality: at most N pairs get series, the rest add up under "other", failing pairs win slots. And a new
 * counter series is shown at 0 before its counts, so that Prometheus's first sample of it is 0.
 */
class PairMetricsTest {
    private static final long T0 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
    private static final long STALE = Duration.ofMinutes(5).toMillis();
    private static final long HOLD = Duration.ofMinutes(2).toMillis();
    private static final String PROMETHEUS = "10.0.0.7";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Wall-clock time of the scrapes, in ms; moved by the tests only. */
    private final AtomicLong wall = new AtomicLong(1_000_000);
    private final ScrapeLog scrapes = new ScrapeLog(wall::get, HOLD);
    private final PairMetrics metrics = new PairMetrics(registry, 3, STALE, scrapes, HOLD);
    /** Every value {@link #PROMETHEUS} scraped, per series (name and labels), in order. */
    private final Map<String, List<Double>> samples = new java.util.HashMap<>();

    @Test
    void pairsBeyondTheLimitAddUpUnderOther() {
        for (int i = 0; i < 5; i++) accept("wl-" + i, T0, 100 + i, 0, Map.of());
        shown();
        assertEquals(3, metrics.trackedCount());
        assertEquals(3 + 1, registry.find(PairMetrics.REQUESTS).counters().size(), "3 pairs and 'other'");
        assertEquals(100 + 101 + 102 + 103 + 104, total(), 0.0, "no request lost");
        assertEquals(103 + 104, registry.find(PairMetrics.REQUESTS).tag("source_workload", "other").counter().count(), 0.0);
    }

    @Test
    void aFailingPairTakesTheSlotOfTheWeakestHealthyPair() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 100, 0, Map.of());
        accept("broken", T0 + 10_000, 50, 30, Map.of("UC", 30L));
        shown();
        assertTrue(metrics.isTracked(key("broken")));
        assertEquals(3, metrics.trackedCount());
        Counter uc = registry.find(PairMetrics.FAILURES).tag("source_workload", "broken").tag("failure_class", "UC").counter();
        assertEquals(30, uc.count(), 0.0);
        Gauge ratio = registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "broken").gauge();
        assertEquals(0.4, ratio.value(), 1e-9);
        assertEquals(1, registry.find(PairMetrics.EVICTIONS).counter().count(), 0.0);
    }

    @Test
    void aNewcomerNeedsMoreThanTwiceTheWeakestScore() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 100, 0, Map.of());
        accept("similar", T0, 150, 0, Map.of());
        shown();
        assertFalse(metrics.isTracked(key("similar")), "no flapping between pairs of similar traffic");
        assertEquals(150, registry.find(PairMetrics.REQUESTS).tag("source_workload", "other").counter().count(), 0.0);
    }

    @Test
    void quietPairsAreDroppedWithTheirGauges() {
        accept("wl-0", T0, 100, 0, Map.of());
        accept("wl-1", T0 + STALE, 100, 0, Map.of());
        metrics.sweep(T0 + STALE + 20_000);
        assertFalse(metrics.isTracked(key("wl-0")));
        assertTrue(metrics.isTracked(key("wl-1")));
        assertEquals(null, registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "wl-0").gauge());
    }

    @Test
    void nonFailureClassesAreNotFailures() {
        accept("wl-0", T0, 100, 5, Map.of("APP_5XX", 5L, "APP_4XX", 7L, "DI", 2L));
        shown();
        assertEquals(1, registry.find(PairMetrics.FAILURES).counters().size());
        assertEquals(5, registry.find(PairMetrics.FAILURES).tag("failure_class", "APP_5XX").counter().count(), 0.0);
    }

    @Test
    void aNewPairIsShownAtZeroUntilAScrapeHasSeenIt() {
        scrape(PROMETHEUS); // Prometheus is scraping already
        accept("wl-0", T0, 100, 30, Map.of("UC", 30L));
        assertEquals(0, requests("wl-0").count(), 0.0, "registered at 0");
        assertEquals(0, failures("wl-0", "UC").count(), 0.0, "registered at 0");

        scrape(PROMETHEUS); // this scrape writes the 0s out
        assertEquals(0, requests("wl-0").count(), 0.0, "the scrape that saw the series began after it existed: still 0");
        accept("wl-0", T0 + 10_000, 100, 0, Map.of()); // a second window while held
        metrics.release(); // between scrapes: now the series has been seen at 0
        assertEquals(200, requests("wl-0").count(), 0.0, "both windows, once the zero was scraped");
        assertEquals(30, failures("wl-0", "UC").count(), 0.0);
        assertEquals(0, metrics.holdingCount(), "the 'other' counter was seen at 0 as well");

        accept("wl-0", T0 + 20_000, 10, 0, Map.of());
        assertEquals(210, requests("wl-0").count(), 0.0, "a released counter counts at once");
    }

    @Test
    void aScrapeInProgressWhenTheSeriesAppearsDoesNotCount() {
        long n = scrapes.begin(PROMETHEUS); // begun before the series exists: it may not have written it out
        accept("wl-0", T0, 100, 30, Map.of("UC", 30L));
        scrapes.end(PROMETHEUS, n);
        metrics.release();
        assertEquals(0, requests("wl-0").count(), 0.0);
        scrape(PROMETHEUS);
        metrics.release();
        assertEquals(100, requests("wl-0").count(), 0.0);
    }

    @Test
    void aNewFailureClassOfAShownPairStartsAtZero() {
        accept("wl-0", T0, 100, 0, Map.of());
        shown();
        assertEquals(100, requests("wl-0").count(), 0.0);

        accept("wl-0", T0 + 10_000, 50, 5, Map.of("UH", 5L)); // the class shows up in one window only
        assertEquals(150, requests("wl-0").count(), 0.0, "the pair's request counter is not held again");
        assertEquals(0, failures("wl-0", "UH").count(), 0.0, "the new class's series is first shown at 0");
        accept("wl-0", T0 + 20_000, 50, 0, Map.of());
        shown();
        assertEquals(5, failures("wl-0", "UH").count(), 0.0);
        assertEquals(200, requests("wl-0").count(), 0.0);
    }

    @Test
    void aNewFailureClassOfOtherStartsAtZero() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 1000, 0, Map.of());
        shown();
        accept("quiet", T0, 10, 2, Map.of("UF", 2L)); // not admitted: 10 + 200 is not twice 1000
        assertFalse(metrics.isTracked(key("quiet")));
        assertEquals(0, registry.find(PairMetrics.FAILURES).tag("source_workload", "other").tag("failure_class", "UF")
                .counter().count(), 0.0);
        assertEquals(10, other().count(), 0.0, "other's request counter was shown at 0 long ago");
        shown();
        assertEquals(2, registry.find(PairMetrics.FAILURES).tag("source_workload", "other").tag("failure_class", "UF")
                .counter().count(), 0.0);
    }

    @Test
    void everyRecentScraperMustHaveSeenTheZero() {
        scrape(PROMETHEUS);
        scrape("10.0.0.8"); // a second Prometheus replica
        accept("wl-0", T0, 100, 0, Map.of());
        scrape(PROMETHEUS);
        scrape(PROMETHEUS);
        assertEquals(0, requests("wl-0").count(), 0.0, "the second replica has not scraped the series yet");
        scrape("10.0.0.8");
        metrics.release();
        assertEquals(100, requests("wl-0").count(), 0.0);
    }

    @Test
    void aScraperThatWentAwayIsNotWaitedFor() {
        scrape("10.0.0.8"); // a one-off curl, say
        wall.addAndGet(HOLD + 1);
        scrape(PROMETHEUS);
        accept("wl-0", T0, 100, 0, Map.of());
        shown();
        assertEquals(100, requests("wl-0").count(), 0.0);
        assertEquals(1, scrapes.scraperCount(), "the silent scraper is forgotten");
    }

    @Test
    void withoutScrapesHeldCountsGoOutAfterTheHold() {
        accept("wl-0", T0, 100, 0, Map.of());
        metrics.release();
        assertEquals(0, requests("wl-0").count(), 0.0, "nobody has scraped");
        wall.addAndGet(HOLD - 1);
        metrics.release();
        assertEquals(0, requests("wl-0").count(), 0.0);
        wall.addAndGet(1);
        metrics.release();
        assertEquals(100, requests("wl-0").count(), 0.0, "delayed, never lost");
        assertEquals(100, other().count() + requests("wl-0").count(), 0.0);
    }

    @Test
    void aPairEvictedWhileHoldingHandsItsCountsToOther() {
        for (int i = 0; i < 3; i++) accept("wl-" + i, T0, 100, 0, Map.of());
        accept("broken", T0 + 10_000, 50, 30, Map.of("UC", 30L)); // evicts a weakest pair before anyone scraped
        assertEquals(1, registry.find(PairMetrics.EVICTIONS).counter().count(), 0.0);
        shown();
        assertEquals(100 * 3 + 50, total(), 0.0, "the evicted pair's held requests went to other");
        assertEquals(100, other().count(), 0.0);
        assertEquals(30, registry.find(PairMetrics.FAILURES).counters().stream().mapToDouble(Counter::count).sum(), 0.0);
        assertEquals(0, metrics.holdingCount());
    }

    @Test
    void aReadmittedPairStartsAtZeroAgain() {
        accept("wl-0", T0, 100, 0, Map.of());
        shown();
        assertEquals(100, requests("wl-0").count(), 0.0);
        metrics.sweep(T0 + 10_000 + STALE + 1); // quiet: dropped
        scrape(PROMETHEUS); // sees its last value
        metrics.release();
        assertNull(requests("wl-0"), "unregistered once its last value was scraped");
        accept("wl-0", T0 + 2 * STALE, 30, 0, Map.of());
        assertEquals(0, requests("wl-0").count(), 0.0,
                "a fresh series at 0: Prometheus reads 100, 0, 30 as a reset and counts the 30");
        shown();
        assertEquals(30, requests("wl-0").count(), 0.0);
        assertEquals(130, prometheusIncrease(PairMetrics.REQUESTS), 0.0);
    }

    @Test
    void aDroppedPairKeepsItsCountersUntilTheirLastValuesAreScraped() {
        accept("wl-0", T0, 100, 10, Map.of("UC", 10L));
        shown();
        accept("wl-0", T0 + 10_000, 50, 5, Map.of("UC", 5L)); // counted, not yet scraped
        metrics.drop(key("wl-0")); // moved to another instance
        assertNull(registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "wl-0").gauge(), "gauges go at once");
        assertEquals(150, requests("wl-0").count(), 0.0, "the counter stays until a scrape has seen its last value");
        assertEquals(1, metrics.retiringCount());
        scrape(PROMETHEUS);
        metrics.release();
        assertNull(requests("wl-0"));
        assertNull(failures("wl-0", "UC"));
        assertEquals(0, metrics.retiringCount());
        assertEquals(150, prometheusIncrease(PairMetrics.REQUESTS), 0.0);
        assertEquals(15, prometheusIncrease(PairMetrics.FAILURES), 0.0);
    }

    @Test
    void aPairReadmittedBeforeItsCountersWentOnWithThem() {
        accept("wl-0", T0, 100, 0, Map.of());
        shown();
        metrics.drop(key("wl-0"));
        accept("wl-0", T0 + 10_000, 30, 0, Map.of()); // back before a scrape saw the drop
        assertTrue(metrics.isTracked(key("wl-0")));
        assertEquals(130, requests("wl-0").count(), 0.0, "the same series, still registered: nothing to hold");
        assertEquals(0, metrics.retiringCount());
        assertNotNull(registry.find(PairMetrics.SUCCESS_RATIO).tag("source_workload", "wl-0").gauge());
    }

    /**
     * What Prometheus would make of it all: scraping now and then while pairs come, fail in single windows, get
     * evicted, move away and come back, the increase of every series over the run adds up to what was counted.
     */
    @Test
    void increaseOverEveryScrapeAddsUpToWhatWasCounted() {
        long sent = 0;
        long failed = 0;
        java.util.Random random = new java.util.Random(7);
        for (int w = 0; w < 200; w++) {
            long t = T0 + w * 10_000L;
            for (int p = 0; p < 8; p++) {
                if (random.nextInt(3) == 0) continue;
                long req = random.nextInt(200);
                long uc = p == w % 8 ? random.nextInt(50) : 0; // a failure class in one window of a pair
                String cls = random.nextBoolean() ? "UC" : "UH";
                accept("wl-" + p, t, req + uc, uc, uc > 0 ? Map.of(cls, uc) : Map.of());
                sent += req + uc;
                failed += uc;
            }
            if (random.nextInt(3) == 0) scrape(PROMETHEUS);
            if (random.nextInt(5) == 0) scrape("10.0.0.8");
            if (w % 7 == 0) metrics.drop(key("wl-" + random.nextInt(8))); // moved to another instance
            if (w % 50 == 49) wall.addAndGet(HOLD + 1); // the second replica goes away for a while
            metrics.sweep(t);
        }
        shown();
        assertEquals(sent, prometheusIncrease(PairMetrics.REQUESTS), 0.0);
        assertEquals(failed, prometheusIncrease(PairMetrics.FAILURES), 0.0);
        assertTrue(registry.find(PairMetrics.EVICTIONS).counter().count() > 0, "the run evicted pairs");
    }

    /** One scrape by {@code who}: numbered, releases what is due, is written out, then logged as complete. */
    private void scrape(String who) {
        long n = scrapes.begin(who);
        metrics.release();
        if (who.equals(PROMETHEUS)) {
            for (Counter c : registry.find(PairMetrics.REQUESTS).counters()) sample(c);
            for (Counter c : registry.find(PairMetrics.FAILURES).counters()) sample(c);
        }
        scrapes.end(who, n);
    }

    private void sample(Counter c) {
        samples.computeIfAbsent(c.getId().getName() + c.getId().getTags(), k -> new ArrayList<>()).add(c.count());
    }

    /**
     * Prometheus's increase() over all of {@link #PROMETHEUS}'s samples, summed over series: a series' first sample
     * is its starting point, and a drop is a counter reset (the value before it counts in full).
     */
    private double prometheusIncrease(String name) {
        double sum = 0;
        for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
            if (!e.getKey().startsWith(name + "[")) continue;
            List<Double> v = e.getValue();
            for (int i = 1; i < v.size(); i++) sum += v.get(i) >= v.get(i - 1) ? v.get(i) - v.get(i - 1) : v.get(i);
        }
        return sum;
    }

    /** Two scrapes: the first shows new series at 0, the second their counts. */
    private void shown() {
        scrape(PROMETHEUS);
        scrape(PROMETHEUS);
    }

    private Counter requests(String source) {
        return registry.find(PairMetrics.REQUESTS).tag("source_workload", source).counter();
    }

    private Counter failures(String source, String cls) {
        return registry.find(PairMetrics.FAILURES).tag("source_workload", source).tag("failure_class", cls).counter();
    }

    private Counter other() {
        return requests("other");
    }

    private double total() {
        return registry.find(PairMetrics.REQUESTS).counters().stream().mapToDouble(Counter::count).sum();
    }

    private void accept(String source, long windowStart, long requests, long failures, Map<String, Long> byClass) {
        PairWindowStats s = new PairWindowStats(Times.rfc3339(windowStart), Times.rfc3339(windowStart + 10_000), "source",
                new WorkloadRef("shop", source), new ServiceRef("shop", "api.shop.svc.cluster.local", "api"), requests,
                failures, requests == 0 ? 1 : (double) (requests - failures) / requests, byClass, Map.of("2xx", requests - failures),
                new LatencySummary(10.0, 20.0, 30.0), 0, 0);
        metrics.accept(key(source), s, windowStart + 10_000);
    }

    private static String key(String source) {
        return "source|shop/" + source + "|shop/api.shop.svc.cluster.local/api";
    }
}
