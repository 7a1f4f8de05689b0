package io.meshpulse.app.serve;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Who has scraped {@code /metrics}, and how far: what a new counter series waits on before it shows its counts.
 *
 * <p>Every scrape gets a number when it begins; a scraper (a remote address: each Prometheus replica, or each
 * agent of Azure Managed Prometheus, scrapes from its own) is remembered with the highest number of its completed
 * scrapes. A series registered when the count stood at {@code m} has been seen at its initial value by every
 * scraper once each one has completed a scrape numbered above {@code m}: that scrape began after the registration,
 * so it wrote the series out. A scraper not heard from for {@code forgetAfter} no longer counts (a replica that
 * went away, a one-off {@code curl}).
 *
 * <p>Thread-safe: the HTTP threads record scrapes, the metrics feed asks.
 */
final class ScrapeLog {
    private final LongSupplier clockMs;
    private final long forgetAfterMs;
    private final Map<String, Scraper> scrapers = new HashMap<>();
    private long begun;

    /**
     * @param clockMs       a monotonic wall clock in milliseconds (not stream time: scrapes happen in real time)
     * @param forgetAfterMs a scraper silent for this long is no longer waited for
     */
    ScrapeLog(LongSupplier clockMs, long forgetAfterMs) {
        this.clockMs = clockMs;
        this.forgetAfterMs = Math.max(1, forgetAfterMs);
    }

    static ScrapeLog system(long forgetAfterMs) {
        return new ScrapeLog(() -> System.nanoTime() / 1_000_000, forgetAfterMs);
    }

    long nowMs() {
        return clockMs.getAsLong();
    }

    /** A scrape by {@code who} begins; returns its number, for {@link #end}. */
    synchronized long begin(String who) {
        long now = nowMs();
        // forget the silent ones here too, so that one-off clients do not pile up when no series is waiting
        scrapers.values().removeIf(s -> now - s.lastMs > forgetAfterMs);
        scrapers.computeIfAbsent(who, w -> new Scraper()).lastMs = now;
        return ++begun;
    }

    /** Scrapers heard from within {@code forgetAfter} as of the last call (tests and diagnostics). */
    synchronized int scraperCount() {
        return scrapers.size();
    }

    /** The scrape numbered {@code n} by {@code who} has been written out completely. */
    synchronized void end(String who, long n) {
        Scraper s = scrapers.computeIfAbsent(who, w -> new Scraper());
        s.completed = Math.max(s.completed, n);
        s.lastMs = nowMs();
    }

    /** The number of the newest scrape begun so far: take it right after registering a series. */
    synchronized long mark() {
        return begun;
    }

    /** True when there is a scraper and every one heard from recently has completed a scrape begun after {@code mark}. */
    synchronized boolean seenByAllSince(long mark) {
        long now = nowMs();
        boolean any = false;
        for (Iterator<Scraper> it = scrapers.values().iterator(); it.hasNext(); ) {
            Scraper s = it.next();
            if (now - s.lastMs > forgetAfterMs) {
                it.remove();
                continue;
            }
            if (s.completed <= mark) return false;
            any = true;
        }
        return any;
    }

    private static final class Scraper {
        long completed = -1;
        long lastMs;
    }
}
