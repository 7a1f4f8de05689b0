package io.meshpulse.alerts.detect;

import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.TreeMap;

/** What the alerts stage remembers about one pair (one reporter's view): traffic level, history, per-class state. */
public final class PairState {
    public String pairKey;
    public String reporter;
    public WorkloadRef source;
    public ServiceRef destination;
    public long firstWindow = -1;
    public long lastWindow = -1;
    public int windowsSeen;
    /** EWMA of requests per window while the pair has traffic. */
    public double requestsEwma;
    /** Requests decayed like the class baselines: a class seen for the first time starts from this history. */
    public double decayedRequests;
    public TreeMap<String, ClassState> classes = new TreeMap<>();
    /**
     * Its last closed windows with traffic, oldest first, as {start, requests}: at most accumulate-windows. A class
     * the pair shows for the first time starts its pool with them ({@code Detector#newClass(double, List)}).
     */
    public java.util.ArrayList<long[]> recentWindows = new java.util.ArrayList<>();
}
