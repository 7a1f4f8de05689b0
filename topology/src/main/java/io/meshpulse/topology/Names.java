package io.meshpulse.topology;

/**
 * Every processor, store and internal topic name of the topology, in one place. Renaming one of these renames a
 * changelog or repartition topic and forces a state rebuild: treat them as a contract.
 */
public final class Names {
    public static final String RAW_SOURCE = "raw-source";
    public static final String PAIR_PARTIALS = "pair-partials";
    public static final String PARTIALS_STORE = "pair-partials-store";
    public static final String PARTIALS_META_STORE = "pair-partials-meta";
    /** Per pod of a parsing task: the services its inbound lines named, per port (see ServedServices). */
    public static final String SERVED_STORE = "pair-partials-served";
    public static final String ROUTE_PARTIALS = "route-partials";
    public static final String REPARTITION = "pair-partials-by-pair";
    public static final String PAIR_WINDOWS = "pair-windows";
    public static final String OPEN_WINDOWS_STORE = "pair-windows-open";
    public static final String WATERMARKS_STORE = "pair-windows-watermarks";
    /** Window store of closed pair windows, keyed by {@code PairKey#toKeyString()}: the triage queries read it. */
    public static final String PAIR_STATS_STORE = "pair-stats";
    /** Window store, same key and windows as {@link #PAIR_STATS_STORE}: up to a few redacted example lines per failure class. */
    public static final String PAIR_EXEMPLARS_STORE = "pair-exemplars";
    public static final String ROUTE_WINDOWS = "route-windows";
    public static final String IP_OWNERS_STORE = "ip-owners";
    public static final String IP_OWNERS_SOURCE = "ip-owners-source";
    public static final String IP_OWNERS_UPDATE = "ip-owners-update";

    // Metrics path: Istio metric samples become pair windows where access logs did not cover the reporter.
    public static final String METRICS_SOURCE = "metrics-source";
    public static final String METRICS_DECODE = "metrics-decode";
    public static final String ROUTE_METRICS = "route-metrics";
    public static final String METRICS_BY_REPORTER = "metrics-samples-by-reporter";
    public static final String ACCESS_COVERAGE = "access-coverage";
    public static final String COVERAGE_BY_REPORTER = "access-coverage-by-reporter";
    public static final String METRICS_INPUTS = "metrics-inputs";
    public static final String METRICS_WINDOWS = "metrics-windows";
    public static final String METRICS_OPEN_STORE = "metrics-windows-open";
    public static final String METRICS_COVERAGE_STORE = "metrics-coverage";
    public static final String METRICS_META_STORE = "metrics-windows-meta";
    public static final String ROUTE_METRICS_WINDOWS = "route-metrics-windows";
    public static final String METRICS_STATS_BY_PAIR = "metrics-stats-by-pair";
    public static final String METRICS_PAIR_STATS = "metrics-pair-stats";
    /** The stream {@code MeshpulseTopology.addTo} returns: access-log and metrics-derived windows together. */
    public static final String PAIR_STATS_ALL = "pair-stats-all";
    /** Control-header value on {@code meshpulse.metrics.samples}: the poller has sent every sample up to the value's time. */
    public static final String SAMPLES_UP_TO = "samples-up-to";

    /** Header that marks a control record on the raw topic; value {@code end-of-input} closes every window. */
    public static final String CONTROL_HEADER = "meshpulse-control";
    public static final String END_OF_INPUT = "end-of-input";
    /** On an end-of-input record: the IP table already holds every IP the input announced, so close at once. */
    public static final String IP_TABLE_SETTLED_HEADER = "meshpulse-ip-table-settled";
    /**
     * Control-header value on the raw topic: an ingest's heartbeat, sent to every partition. Key: the ingest instance
     * (e.g. {@code tail/<node>}); value: an RFC 3339 time T, meaning the instance has no unread line written before T
     * (every such line of it is on this partition before the heartbeat). Never counted, never dead-lettered.
     */
    public static final String HEARTBEAT = "heartbeat";
    /**
     * Control-header value on the raw topic: commit as soon as this record is read, instead of at the next commit
     * interval. A replay sends one to every partition after its last line, so that its wait for the topology to have
     * committed every line does not also wait out up to a second of commit interval. Not a line: never counted,
     * never dead-lettered, and it does not end the task's idleness.
     */
    public static final String COMMIT_NOW = "commit-now";

    private Names() {}
}
