package io.meshpulse.alerts.detect;

import java.util.TreeMap;

/**
 * Requests and failures of one destination per minute of event time, for the multi-window burn-rate detector.
 * Minutes older than the longest window are dropped.
 */
public final class BurnState {
    public String destination;
    public String namespace;
    public String workload;
    /** minute start (epoch ms) → {requests, failures} */
    public TreeMap<Long, long[]> minutes = new TreeMap<>();
    /** Non-null while the burn alert fires: "critical" (fast) or "warning" (slow). */
    public String firing;
    public long startsAt = -1;
    public long detectedAt = -1;
    /**
     * While the alert fires: the start of the first window from which neither burn has held (event time), -1 while
     * one holds. The alert resolves once this is burn-keep-firing old, and this is its endsAt. (A state stored
     * before this field existed reads as -1: the next clear window starts the count.)
     */
    public long clearSince = -1;
    /** While the alert is critical: the start of the first window from which the fast burn has not held, or -1. */
    public long fastClearSince = -1;

    public void add(long windowStart, long requests, long failures) {
        long m = windowStart - Math.floorMod(windowStart, 60_000L);
        long[] v = minutes.computeIfAbsent(m, x -> new long[2]);
        v[0] += requests;
        v[1] += failures;
    }

    /** {requests, failures} over [now - span, now). */
    public long[] sum(long now, long spanMillis) {
        long[] r = new long[2];
        for (var e : minutes.tailMap(now - spanMillis, true).entrySet()) {
            if (e.getKey() >= now) break;
            r[0] += e.getValue()[0];
            r[1] += e.getValue()[1];
        }
        return r;
    }

    public void prune(long now, long keepMillis) {
        minutes.headMap(now - keepMillis - 60_000L).clear();
    }
}
