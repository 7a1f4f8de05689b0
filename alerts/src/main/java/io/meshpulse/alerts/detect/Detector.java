package io.meshpulse.alerts.detect;

import io.meshpulse.alerts.AlertSettings;

/**
 * The per-(pair, class) rule. A window is <em>suspicious</em> when the class's ratio is at least
 * {@code minRatio} and {@code ratioFactor} times the pair's baseline. Consecutive suspicious windows are pooled
 * (up to {@code accumulateWindows}), and the pool is <em>abnormal</em> when it holds at least
 * {@code minRequests} requests and {@code minFailures} failures and the binomial probability of that many failures
 * under the baseline is below {@code significance}. A clear spike is abnormal in its first window; a modest one on
 * a quiet pair after a few. A firing alert resolves after {@code resolveCleanWindows} clean windows in a row.
 * The baseline learns from every window while nothing fires (weighted by requests, so one failure in a quiet
 * window does not swing it), and not at all while the class fires, so an incident does not teach itself normal.
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
        ClassState c = new ClassState();
        if (pairDecayedRequests > 0) {
            c.decayedRequests = pairDecayedRequests;
            c.baseline = 0;
        }
        return c;
    }

    public double decay(double decayed, long requests) {
        return decayed * (1 - alpha) + requests;
    }

    public double baselineFor(ClassState c) {
        return Math.max(s.baselineFloor(), c.baseline < 0 ? 0 : c.baseline);
    }

    /**
     * Feeds one window of the pair to the class's state. {@code suppressed} means the window is explained by
     * another alert (the other reporter's view of the same failure): it neither fires nor teaches the baseline.
     */
    public Outcome assess(ClassState c, long windowStart, long requests, long failures, boolean suppressed) {
        double ratio = requests == 0 ? 0 : (double) failures / requests;
        double base = baselineFor(c);
        boolean suspicious = requests > 0 && failures > 0 && ratio >= s.minRatio() && ratio >= s.ratioFactor() * base;
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
        if (!suspicious) {
            resetPool(c);
            learn(c, requests, failures);
            return Outcome.QUIET;
        }
        if (c.poolWindows >= s.accumulateWindows()) resetPool(c); // a slow drift is the baseline's job, not an alert
        if (c.poolStart < 0) c.poolStart = windowStart;
        c.poolRequests += requests;
        c.poolFailures += failures;
        c.poolWindows++;
        if (abnormal(c.poolRequests, c.poolFailures, base)) {
            return Outcome.FIRE;
        }
        // Pooled but not (yet) abnormal: it still counts towards the baseline, or one failure in a quiet window
        // would never be learnt and the baseline would drift below the truth.
        learn(c, requests, failures);
        return Outcome.QUIET;
    }

    public boolean abnormal(long n, long k, double base) {
        return n >= s.minRequests() && k >= s.minFailures()
                && (double) k / n >= s.minRatio()
                && Binomial.upperTail(k, n, base) < s.significance();
    }

    public static void resetPool(ClassState c) {
        c.poolRequests = 0;
        c.poolFailures = 0;
        c.poolWindows = 0;
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
