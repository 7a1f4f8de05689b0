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

    /** Header that marks a control record on the raw topic; value {@code end-of-input} closes every window. */
    public static final String CONTROL_HEADER = "meshpulse-control";
    public static final String END_OF_INPUT = "end-of-input";

    private Names() {}
}
