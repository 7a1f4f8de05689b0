package io.meshpulse.alerts.stream;

/** Names of the alerts stage's processors, stores and internal topic: a contract, like the spine's Names. */
public final class AlertNames {
    public static final String EXEMPLARS = "alerts-exemplars";
    /** Early looks at windows not closed yet, and the parsing tasks' look marks, as observations. */
    public static final String EARLY = "alerts-early-looks";
    public static final String WITH_EARLY = "alerts-closed-and-early";
    /** The spine's end of input, as an observation (one task only: see {@code AlertsStage#addTo}). */
    public static final String END = "alerts-end-of-input";
    public static final String WITH_END = "alerts-closed-and-end";
    public static final String BY_NAMESPACE_KEY = "alerts-key-by-destination-namespace";
    public static final String REPARTITION = "alerts-by-destination-namespace";
    public static final String DETECT = "alerts-detect";
    public static final String SINK = "alerts-sink";
    /** KV store: window start + pair key → observation waiting for the window's other reporters. */
    public static final String PENDING_STORE = "alerts-pending";
    /** KV store: pair key → detection state (baselines, pools, firing alerts). */
    public static final String PAIR_STATE_STORE = "alerts-pair-state";
    /** KV store: destination → per-minute counts for the burn-rate detector. */
    public static final String BURN_STORE = "alerts-burn";
    /** KV store: fingerprint → latest Alert (firing, and resolved ones for a while). Read by the triage API. */
    public static final String CURRENT_STORE = "alerts-current";

    private AlertNames() {}
}
