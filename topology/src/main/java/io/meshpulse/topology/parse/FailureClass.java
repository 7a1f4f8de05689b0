package io.meshpulse.topology.parse;

import java.util.List;

/**
 * Failure classes, as strings so that an unknown Envoy flag can stand as its own class.
 * The flag order below is the priority order used when a line carries several flags.
 */
public final class FailureClass {
    public static final String EGRESS_BLOCKED = "EGRESS_BLOCKED";
    public static final String RBAC = "RBAC";
    public static final String APP_5XX = "APP_5XX";
    public static final String APP_4XX = "APP_4XX";
    public static final String NONE = "NONE";
    public static final String DI = "DI";

    /** Envoy short flags in the priority order of classification. */
    public static final List<String> FLAG_PRIORITY = List.of(
            "UF", "UC", "UH", "UT", "UO", "NR", "NC", "LR", "UR", "UPE", "UMSDR", "DT", "DF", "DO", "UDO",
            "OM", "LH", "UAEX", "RL", "RLSE", "FI", "DC", "DR", "DPE", "SI", "IH", "NFCF", "RFCF", "URX", "DI");

    private FailureClass() {}

    /** A record is a failure unless its class is NONE, APP_4XX or DI. */
    public static boolean isFailure(String failureClass) {
        return failureClass != null
                && !NONE.equals(failureClass)
                && !APP_4XX.equals(failureClass)
                && !DI.equals(failureClass);
    }
}
