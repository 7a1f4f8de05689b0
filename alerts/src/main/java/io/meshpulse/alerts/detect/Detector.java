package io.meshpulse.alerts.detect;

import io.meshpulse.alerts.AlertSettings;

/**
 * The per-(pair, class) rule. A window is <em>suspicious</em> when the class's ratio is at least
 * {@code minRatio} and {@code ratioFactor} times the pair's baseline. On a suspicious window the newest window,
 * then the newest two, three … (the pool: {@code accumulateWindows}, more on a quiet pair) are tested: a span is
 * <em>abnormal</em> when it is suspicious as a whole, holds at least {@code minRequests} requests and
 * {@code minFailures} failures, and the binomial probability of that many failures under the test baseline
 * ({@link #testBaseline}: the baseline, raised while the history is too short to vouch for it) is below
 * {@code significance}. A clear spike is abnormal in its first window; a modest one on a quiet pair after a few.
 * A firing alert resolves after {@code resolveCleanWindows} clean windows in a row.
 * The baseline learns from every window while nothing fires (weighted by requests, so one failure in a quiet
 * window does not swing it; a suspicious one only once a tested span judged it normal), and not at all while the
 * class fires, so an incident does not teach itself normal.
 */
public final class Detector {
    public enum Outcome { QUIET, FIRE, CONTINUE, RESOLVE }

    private final AlertSettings s;
    private final double alpha;

    public Detector(AlertSettings s) {
        this.s = s;
        this.alpha = 1 - Math.pow(0.5, 1.0 / Math.max(1, s.baselineHalfLifeWindows()));
    }

    /** A new class on a pair with history: its baseline starts at zero over the pair's decayed requests. */
    public ClassState newClass(double pairDecayedRequests) {
        return newClass(pairDecayedRequests, java.util.List.of());
    }

    /**
     * As {@link #newClass(double)}, with the pair's last windows ({start, requests}, oldest first) in the pool as
     * windows without a failure of the class, learnt already (the pair's decayed requests hold them). A class that
     * has state pools the pair's clean windows with a failing one; a class the pair never showed had an empty pool,
     * so its first failing window was tested alone, and on a thin pair held too few calls to fire: every one of a
     * pair's 9 calls denied by a new policy waited for the next window (16 s live) where a known class fires at once.
     */
    public ClassState newClass(double pairDecayedRequests, java.util.List<long[]> pairRecent) {
        ClassState c = new ClassState();
        if (pairDecayedRequests > 0) {
            c.decayedRequests = pairDecayedRequests;
            c.baseline = 0;
            int from = Math.max(0, pairRecent.size() - s.accumulateWindows());
            for (int i = from; i < pairRecent.size(); i++) {
                long[] w = pairRecent.get(i);
                c.recent.add(new long[] {w[0], w[1], 0, 0});
            }
        }
        return c;
    }

    public double decay(double decayed, long requests) {
        return decayed * (1 - alpha) + requests;
    }

    public double baselineFor(ClassState c) {
        return Math.max(s.baselineFloor(), c.baseline < 0 ? 0 : c.baseline);
    }

    /** One-sided 95 %: the history's failure rate is below the bound 19 times in 20. */
    private static final double Z = 1.645;

    /**
     * The rate a span's failures are tested against. A baseline learnt from little traffic is not known to be low:
     * no failure in 40 calls fits a chronic 5 % as well as a clean pair, and against the floor three failed calls
     * of a thin pair new to meshpulse (every pair, the day it is deployed) would page. So the test takes the upper
     * end of what the history allows (a one-sided 95 % Wilson bound on the decayed failures over the decayed
     * requests), at most min-ratio, the rate users notice, and never less than the learnt baseline. A pair with no
     * history is tested against min-ratio: one that fails hard still fires at once. A busy pair's bound falls
     * below the floor within a minute or two, and nothing changes for it; a pair of one or two calls a window
     * stays near 3-5 %, and its failures must be clearly above that to page.
     */
    public double testBaseline(ClassState c) {
        double n = Math.max(0, c.decayedRequests);
        double bound = n <= 0 ? 1 : wilsonUpper(Math.max(0, c.decayedFailures) / n, n);
        return Math.max(baselineFor(c), Math.min(s.minRatio(), bound));
    }

    static double wilsonUpper(double p, double n) {
        double z2 = Z * Z;
        double centre = p + z2 / (2 * n);
        double spread = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.min(1, (centre + spread) / (1 + z2 / n));
    }

    /**
     * Feeds one window of the pair to the class's state. {@code suppressed} means the window is explained by
     * another alert (the other reporter's view of the same failure): it neither fires nor teaches the baseline.
     */
    public Outcome assess(ClassState c, long windowStart, long requests, long failures, boolean suppressed) {
        double base = baselineFor(c);
        double testBase = testBaseline(c);
        boolean suspicious = suspicious(requests, failures, base);
        if (c.firing != null) {
            if (suspicious || suppressed) {
                c.firing.cleanStreak = 0;
                return Outcome.CONTINUE;
            }
            if (requests == 0) return Outcome.CONTINUE; // no evidence either way
            c.firing.cleanStreak++;
            if (c.firing.cleanStreak >= s.resolveCleanWindows()) {
                learn(c, requests, failures);
                return Outcome.RESOLVE;
            }
            return Outcome.CONTINUE;
        }
        if (suppressed) {
            resetPool(c);
            return Outcome.QUIET;
        }
        long[] entry = {windowStart, requests, failures, 0};
        c.recent.add(entry);
        trimPool(c, windowStart);
        if (suspicious) {
            // The newest window alone, then the last two, three … windows pooled: a quiet pair needs a few.
            long n = 0;
            long k = 0;
            long start = windowStart;
            for (int i = c.recent.size() - 1; i >= 0; i--) {
                long[] w = c.recent.get(i);
                n += w[1];
                k += w[2];
                if (suspicious(w[1], w[2], base)) start = w[0];
                if (suspicious(n, k, base) && abnormal(n, k, testBase)) {
                    // The condition began with the run of suspicious windows that leads up to this one.
                    for (int j = i - 1; j >= 0 && suspicious(c.recent.get(j)[1], c.recent.get(j)[2], base); j--) {
                        start = c.recent.get(j)[0];
                    }
                    c.poolStart = start;
                    return Outcome.FIRE;
                }
            }
        }
        // Not abnormal (yet). A suspicious window waits in the pool: learnt now, a pair whose calls fail from its
        // first window on, a few at a time (a caller without a sidecar), would teach itself that failing is normal
        // before the pool held enough requests to fire. It is learnt when it leaves the pool, and only if it was
        // judged normal: it was part of a tested span with at least min-requests requests. The whole pool is the
        // widest span just tested, so when it holds that many, every window waiting in it has been judged. A
        // suspicious window that leaves without ever having been judged (too little traffic around it) is not
        // learnt at all. Any other window counts towards the baseline now, or one failure in a quiet window would
        // never be learnt and the baseline would drift below the truth.
        if (suspicious) {
            entry[3] = UNJUDGED;
            if (pooledRequests(c) >= s.minRequests()) {
                for (long[] w : c.recent) if (w.length > 3 && w[3] == UNJUDGED) w[3] = JUDGED_NORMAL;
            }
        } else {
            learn(c, requests, failures);
        }
        return Outcome.QUIET;
    }

    /** A suspicious window in the pool that was judged normal: learnt when it leaves (older states: every one). */
    static final long JUDGED_NORMAL = 1;
    /** A suspicious window in the pool that no span with min-requests requests has judged yet. */
    static final long UNJUDGED = 2;

    /**
     * The pool holds the newest {@code accumulateWindows} windows. A quiet pair's pool also keeps older ones while
     * the newer ones hold fewer than {@code minRequests} requests, as long as they started less than
     * {@code accumulateMaxAge} before the newest: a caller that fails its one call per window fires once ten of
     * them are pooled, instead of never holding enough to be tested.
     */
    private void trimPool(ClassState c, long newest) {
        long pooled = pooledRequests(c);
        long maxAge = s.accumulateMaxAge().toMillis();
        while (c.recent.size() > s.accumulateWindows()) {
            long[] old = c.recent.get(0);
            if (pooled - old[1] < s.minRequests() && newest - old[0] < maxAge) break;
            c.recent.remove(0);
            pooled -= old[1];
            if (old.length > 3 && old[3] == JUDGED_NORMAL) learn(c, old[1], old[2]); // never fired: normal after all
        }
    }

    private static long pooledRequests(ClassState c) {
        long n = 0;
        for (long[] w : c.recent) n += w[1];
        return n;
    }

    /** Whether one window of the class is suspicious against its current baseline. */
    public boolean suspicious(ClassState c, long requests, long failures) {
        return suspicious(requests, failures, baselineFor(c));
    }

    private boolean suspicious(long requests, long failures, double base) {
        if (requests <= 0 || failures <= 0) return false;
        double ratio = (double) failures / requests;
        return ratio >= s.minRatio() && ratio >= s.ratioFactor() * base;
    }

    public boolean abnormal(long n, long k, double base) {
        return n >= s.minRequests() && k >= s.minFailures()
                && (double) k / n >= s.minRatio()
                && Binomial.upperTail(k, n, base) < s.significance();
    }

    public static void resetPool(ClassState c) {
        c.recent.clear();
        c.poolStart = -1;
    }

    private void learn(ClassState c, long requests, long failures) {
        if (requests <= 0) return;
        c.decayedRequests = decay(c.decayedRequests, requests);
        c.decayedFailures = c.decayedFailures * (1 - alpha) + failures;
        c.baseline = c.decayedFailures / c.decayedRequests;
        c.cleanWindows++;
    }

    public String severity(double ratio, boolean info) {
        if (info) return "info";
        return ratio >= s.criticalRatio() ? "critical" : "warning";
    }
}
