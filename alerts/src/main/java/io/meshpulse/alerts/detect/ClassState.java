package io.meshpulse.alerts.detect;

/**
 * Detection state of one failure class on one pair: its baseline, a pool of consecutive suspicious windows, and
 * the firing alert if there is one. Plain fields: it is stored as JSON in the pair's state.
 */
public final class ClassState {
    /**
     * The class's ratio, as exponentially decayed failures over decayed requests (so quiet windows weigh little);
     * negative until the first window.
     */
    public double baseline = -1;
    public double decayedRequests;
    public double decayedFailures;
    public int cleanWindows;
    /**
     * The last few windows (oldest first): start, requests, class failures and, as a fourth element, 0 for a window
     * learnt already, 1 for a suspicious one judged normal (learnt when it leaves the pool without having fired) and
     * 2 for a suspicious one not judged yet (not learnt if it leaves so); older states have three elements (learnt
     * already). For pooled tests on quiet pairs.
     */
    public java.util.ArrayList<long[]> recent = new java.util.ArrayList<>();
    /** Start of the first suspicious window of the span that made the alert fire. */
    public long poolStart = -1;
    /** Non-null while an alert fires for this (pair, class). */
    public Firing firing;

    /** A copy that can be assessed without touching this one (the firing part is shared: only copy quiet states). */
    public ClassState copy() {
        ClassState c = new ClassState();
        c.baseline = baseline;
        c.decayedRequests = decayedRequests;
        c.decayedFailures = decayedFailures;
        c.cleanWindows = cleanWindows;
        for (long[] w : recent) c.recent.add(w.clone());
        c.poolStart = poolStart;
        c.firing = firing;
        return c;
    }

    public static final class Firing {
        public long startsAt;
        public long detectedAt;
        public int cleanStreak;
        public String severity;
        public String entryId;
        public int evidenceCount;
        public double emittedRatio;
        public long lastWindowStart;
        public long lastWindowEnd;
        public long lastRequests;
        public long lastFailures;
    }
}
