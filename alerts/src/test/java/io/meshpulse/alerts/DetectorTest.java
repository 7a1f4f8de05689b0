package io.meshpulse.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.detect.Binomial;
import io.meshpulse.alerts.detect.ClassState;
import io.meshpulse.alerts.detect.Detector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DetectorTest {
    final AlertSettings settings = AlertSettings.defaults();
    final Detector detector = new Detector(settings);
    final SplittableRandom rnd = new SplittableRandom(7);

    long binomial(long n, double p) {
        long k = 0;
        for (long i = 0; i < n; i++) if (rnd.nextDouble() < p) k++;
        return k;
    }

    /** Feeds windows of n requests at failure probability p; returns the index of the first FIRE, or -1. */
    int run(ClassState c, int windows, long n, double p, int offset) {
        for (int i = 0; i < windows; i++) {
            Detector.Outcome o = detector.assess(c, (offset + i) * 10_000L, n, binomial(n, p), false);
            if (o == Detector.Outcome.FIRE) return i;
        }
        return -1;
    }

    @Test
    void aChronicOnePercentDoesNotPageForAnHourButAJumpToEightPercentDoes() {
        ClassState c = new ClassState();
        assertEquals(-1, run(c, 360, 300, 0.01, 0), "an hour of a chronic 1% on 30 req/s");
        assertTrue(c.baseline > 0.007 && c.baseline < 0.013, "baseline learnt ~1%: " + c.baseline);
        int fired = run(c, 6, 300, 0.08, 360);
        assertEquals(0, fired, "a jump to 8% fires in its first window at 30 req/s");
    }

    @Test
    void aQuietPairWithChronicNoiseNeverPagesAndAClearSpikeFiresAtOnce() {
        ClassState c = new ClassState();
        assertEquals(-1, run(c, 360, 15, 0.01, 0), "an hour of 1% on 1.5 req/s");
        assertEquals(0, run(c, 3, 15, 0.6, 360), "60% of 15 requests is a clear spike");
    }

    @Test
    void aModestJumpOnAQuietPairIsPooledOverAFewWindows() {
        ClassState c = new ClassState();
        run(c, 60, 30, 0.0, 0);
        int fired = -1;
        for (int i = 0; i < 6 && fired < 0; i++) {
            if (detector.assess(c, (60 + i) * 10_000L, 30, 2, false) == Detector.Outcome.FIRE) fired = i;
        }
        assertTrue(fired >= 1 && fired <= 3, "2 of 30 (6.7%) per window is pooled, fired at window " + fired);
        assertEquals(60 * 10_000L, c.firing == null ? c.poolStart : c.poolStart, "pool starts at the first suspicious window");
    }

    /**
     * A caller without a sidecar appears only when it fails: a new pair whose every call fails, one to four a window.
     * Its first windows must not teach it that failing is normal before the pool holds enough requests to fire.
     */
    @Test
    void aNewPairFailingAFewCallsAWindowFiresOnceThePoolHoldsEnough() {
        ClassState c = new ClassState();
        long[] calls = {1, 2, 3, 2, 2, 4, 2};
        int fired = -1;
        for (int i = 0; i < calls.length && fired < 0; i++) {
            if (detector.assess(c, i * 10_000L, calls[i], calls[i], false) == Detector.Outcome.FIRE) fired = i;
        }
        assertEquals(4, fired, "fires when the pooled windows hold 10 requests");
        assertEquals(0, c.poolStart, "from the first failing window");
    }

    /** A suspicious window that never fires is learnt when it leaves the pool: the baseline still follows the truth. */
    @Test
    void aSuspiciousWindowThatDidNotFireIsLearntLater() {
        ClassState c = new ClassState();
        run(c, 30, 10, 0.0, 0);
        detector.assess(c, 300_000, 10, 1, false); // 10 %: suspicious, too little to fire
        assertEquals(0.0, c.baseline, 1e-12, "not learnt while it may still be part of an incident");
        run(c, settings.accumulateWindows(), 10, 0.0, 31);
        assertTrue(c.baseline > 0, "learnt once it left the pool: " + c.baseline);
    }

    /**
     * A caller without a sidecar that makes one call per window, every call failing: the pool of accumulate-windows
     * windows never holds min-requests calls, so it never fired, and each failing window learnt on leaving the pool
     * taught the pair a 100 % baseline. The pool now keeps older windows until it holds enough to be tested.
     */
    @Test
    void aCallerFailingOneCallPerWindowFiresEventually() {
        ClassState c = detector.newClass(0);
        int fired = -1;
        for (int i = 0; i < 30 && fired < 0; i++) {
            if (detector.assess(c, i * 10_000L, 1, 1, false) == Detector.Outcome.FIRE) fired = i;
        }
        assertEquals(settings.minRequests() - 1, fired, "fires when the pool holds 10 failed calls; baseline " + c.baseline);
        assertEquals(0, c.poolStart, "from the first failing window");
    }

    /**
     * One failing call every 30 s: even a pool of 2 minutes never holds 10 calls, so nothing can be tested, and a
     * suspicious window that leaves the pool without having been judged is not learnt: the pair does not teach itself
     * that failing is normal.
     */
    @Test
    void suspiciousWindowsTooThinToBeJudgedAreNotLearnt() {
        ClassState c = detector.newClass(0);
        for (int i = 0; i < 60; i++) {
            assertEquals(Detector.Outcome.QUIET, detector.assess(c, i * 30_000L, 1, 1, false));
        }
        assertTrue(c.baseline <= 0, "learnt " + c.baseline);
        assertTrue(c.recent.size() <= settings.accumulateWindows(), "the pool spans 2 minutes at most: " + c.recent.size());
    }

    /** An hour of one call per window with a chronic 2 % failing: no page. */
    @Test
    void aThinPairWithChronicNoiseDoesNotPage() {
        ClassState c = detector.newClass(0);
        assertEquals(-1, run(c, 360, 1, 0.02, 0));
        assertTrue(c.baseline > 0, "its failures were learnt: " + c.baseline);
    }

    /**
     * A thin pair new to meshpulse (two calls a window) whose calls fail a few percent of the time, as they always
     * have: three failed calls in six windows. Against the floor (0.2 %) that is a one-in-10^5 event and paged; but a
     * pair with six clean calls of history may as well fail 5 % of the time, and then it is nothing.
     */
    @Test
    void aNewThinPairsFirstFewFailuresDoNotPage() {
        ClassState c = detector.newClass(0);
        long[] failed = {0, 0, 0, 1, 0, 1, 0, 1, 0, 0};
        for (int i = 0; i < failed.length; i++) {
            assertEquals(Detector.Outcome.QUIET, detector.assess(c, i * 10_000L, 2, failed[i], false), "window " + i);
        }
    }

    /** The same failures on a pair whose history holds thousands of clean calls are a change, and page. */
    @Test
    void theSameFailuresOnAPairWithALongCleanHistoryPage() {
        ClassState c = detector.newClass(5_000);
        long[] failed = {0, 0, 0, 1, 0, 1, 0, 1, 0, 0};
        int fired = -1;
        for (int i = 0; i < failed.length && fired < 0; i++) {
            if (detector.assess(c, i * 10_000L, 2, failed[i], false) == Detector.Outcome.FIRE) fired = i;
        }
        assertEquals(7, fired, "at the third failure");
    }

    /** No history says nothing about a pair that fails hard: 40 % of its first 100 calls fire at once. */
    @Test
    void aNewPairFailingHardFiresInItsFirstWindow() {
        assertEquals(Detector.Outcome.FIRE, detector.assess(detector.newClass(0), 0, 100, 40, false));
    }

    @Test
    void theTestBaselineFollowsHowMuchHistoryThereIs() {
        assertEquals(settings.minRatio(), detector.testBaseline(detector.newClass(0)), 1e-12, "no history: min-ratio");
        double thin = detector.testBaseline(detector.newClass(88)); // two calls a window, decayed
        assertTrue(thin > 0.02 && thin < 0.04, "88 clean calls allow about 3 %: " + thin);
        assertEquals(settings.baselineFloor(), detector.testBaseline(detector.newClass(10_000)), 1e-12, "busy: the floor");
        ClassState chronic = detector.newClass(0);
        chronic.decayedRequests = 300;
        chronic.decayedFailures = 60;
        chronic.baseline = 0.2;
        assertEquals(chronic.baseline, detector.testBaseline(chronic), 1e-12, "never below what was learnt");
    }

    @Test
    void firesOnceThenResolvesAfterCleanWindows() {
        ClassState c = new ClassState();
        run(c, 30, 100, 0.0, 0);
        assertEquals(Detector.Outcome.FIRE, detector.assess(c, 300_000, 100, 50, false));
        c.firing = new ClassState.Firing();
        assertEquals(Detector.Outcome.CONTINUE, detector.assess(c, 310_000, 100, 50, false), "an update, not a repeat");
        assertEquals(Detector.Outcome.CONTINUE, detector.assess(c, 320_000, 100, 0, false));
        assertEquals(Detector.Outcome.CONTINUE, detector.assess(c, 330_000, 100, 0, false));
        assertEquals(Detector.Outcome.CONTINUE, detector.assess(c, 340_000, 0, 0, false), "no traffic: no evidence");
        assertEquals(Detector.Outcome.RESOLVE, detector.assess(c, 350_000, 100, 1, false));
    }

    @Test
    void suppressedWindowsNeitherFireNorTeachTheBaseline() {
        ClassState c = new ClassState();
        assertEquals(Detector.Outcome.QUIET, detector.assess(c, 0, 100, 90, true));
        assertTrue(c.baseline < 0);
    }

    @Test
    void binomialTailMatchesExactValues() {
        // P(X >= 3 | n=10, p=0.1) = 1 - (0.9^10 + 10*0.1*0.9^9 + 45*0.01*0.9^8) = 0.0701908...
        assertEquals(0.0701908, Binomial.upperTail(3, 10, 0.1), 1e-6);
        assertEquals(1.0, Binomial.upperTail(0, 10, 0.1));
        assertEquals(Math.pow(0.5, 20), Binomial.upperTail(20, 20, 0.5), 1e-15);
        assertTrue(Binomial.upperTail(500, 1_000_000, 0.0001) < 1e-100);
    }
}
