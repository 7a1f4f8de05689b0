package io.meshpulse.topology.parse;

import java.util.List;

/**
 * Turns the failure-relevant fields of an access-log entry into a failure class, a cause keyword, an
 * RBAC policy reference and a traffic direction. Stateless; every method is safe from any thread.
 *
 * <p>The failure class is decided by the first rule that applies:
 * <ol>
 *   <li>{@link FailureClass#EGRESS_BLOCKED}: the upstream cluster is {@code BlackHoleCluster}, or a 502 with
 *       details {@code direct_response} on route {@code block_all} (REGISTRY_ONLY mode);</li>
 *   <li>{@link FailureClass#RBAC}: response-code details or connection-termination details start with
 *       {@code rbac_access_denied} (Envoy sets no flag for RBAC denials);</li>
 *   <li>a response flag: the first one present in {@link FailureClass#FLAG_PRIORITY} order; when no known flag is
 *       present, the first unknown flag in line order stands for itself;</li>
 *   <li>{@link FailureClass#APP_5XX} / {@link FailureClass#APP_4XX} by code, else {@link FailureClass#NONE}.</li>
 * </ol>
 */
public final class Classifier {

    /** Cause reported for every RBAC denial, whatever policy matched. */
    public static final String RBAC_CAUSE = "rbac_access_denied";

    static final String BLACK_HOLE = "BlackHoleCluster";
    private static final String DIRECT_RESPONSE = "direct_response";
    private static final String BLOCK_ALL = "block_all";
    static final String RBAC_DETAILS_PREFIX = "rbac_access_denied";
    private static final String FILTER_CHAIN_NOT_FOUND = "filter_chain_not_found";
    private static final String ROUTE_NOT_FOUND = "route_not_found";
    /** How the SNI of an Istio mTLS connection starts: {@code outbound_.<port>_.<subset>_.<fqdn>}. */
    static final String ISTIO_SNI_PREFIX = "outbound_.";

    /** Cause keywords seen inside {@code {...}}; used to hand back a shared instance instead of a substring. */
    private static final List<String> KNOWN_CAUSES = List.of(
            "connection_termination", "connection_failure", "remote_connection_failure", "overflow",
            "remote_reset", "local_reset", "protocol_error", "connection_timeout");

    private Classifier() {}

    /** Result of {@link #classify(int, List, String, String, String, String)}. */
    public record Classification(String failureClass, String cause, String rbacPolicy) {}

    /** Classifies the given fields; {@code flags} must not be null (empty when the line says {@code -}). */
    public static Classification classify(int responseCode, List<String> flags, String responseCodeDetails,
                                          String connectionTerminationDetails, String upstreamCluster,
                                          String routeName) {
        String policy = rbacPolicy(responseCodeDetails);
        if (policy == null) policy = rbacPolicy(connectionTerminationDetails);
        return new Classification(
                failureClass(responseCode, flags, responseCodeDetails, connectionTerminationDetails,
                        upstreamCluster, routeName),
                cause(responseCodeDetails, connectionTerminationDetails),
                policy);
    }

    /** Returns a copy of {@code r} with failureClass, cause, rbacPolicy and direction recomputed. */
    public static AccessLogRecord classify(AccessLogRecord r) {
        Classification c = classify(r.responseCode(), r.responseFlags(), r.responseCodeDetails(),
                r.connectionTerminationDetails(), r.upstreamCluster(), r.routeName());
        Direction d = direction(r.upstreamCluster(), r.routeName(), r.responseFlags(), r.responseCodeDetails(),
                r.requestedServerName());
        return new AccessLogRecord(r.format(), r.startTimeMillis(), r.startTime(), r.method(), r.path(),
                r.protocol(), r.responseCode(), r.responseFlags(), r.responseCodeDetails(),
                r.connectionTerminationDetails(), r.upstreamTransportFailureReason(), r.bytesReceived(),
                r.bytesSent(), r.durationMs(), r.upstreamServiceTimeMs(), r.xForwardedFor(), r.userAgent(),
                r.requestId(), r.authority(), r.upstreamHost(), r.upstreamCluster(), r.upstreamLocalAddress(),
                r.downstreamLocalAddress(), r.downstreamRemoteAddress(), r.requestedServerName(), r.routeName(),
                d, c.failureClass(), c.cause(), c.rbacPolicy());
    }

    /** The failure class alone (see the class comment for the rule order). */
    public static String failureClass(int responseCode, List<String> flags, String responseCodeDetails,
                                      String connectionTerminationDetails, String upstreamCluster,
                                      String routeName) {
        return failureClass(responseCode, priorityFlag(flags), BLACK_HOLE.equals(upstreamCluster),
                startsWith(responseCodeDetails, RBAC_DETAILS_PREFIX)
                        || startsWith(connectionTerminationDetails, RBAC_DETAILS_PREFIX),
                responseCodeDetails, routeName);
    }

    /**
     * The rule order of {@link #failureClass(int, List, String, String, String, String)} over facts the parser
     * works out once per distinct cluster, details and flags value.
     */
    static String failureClass(int responseCode, String priorityFlag, boolean blackHole, boolean rbac,
                               String responseCodeDetails, String routeName) {
        if (blackHole
                || (responseCode == 502 && DIRECT_RESPONSE.equals(responseCodeDetails)
                    && BLOCK_ALL.equals(routeName))) {
            return FailureClass.EGRESS_BLOCKED;
        }
        if (rbac) return FailureClass.RBAC;
        if (priorityFlag != null) return priorityFlag;
        if (responseCode >= 500 && responseCode <= 599) return FailureClass.APP_5XX;
        if (responseCode >= 400 && responseCode <= 499) return FailureClass.APP_4XX;
        return FailureClass.NONE;
    }

    /**
     * The flag that decides the class: the known flag earliest in {@link FailureClass#FLAG_PRIORITY}, else the
     * first unknown flag in line order, else null.
     */
    public static String priorityFlag(List<String> flags) {
        int n = flags.size();
        if (n == 0) return null;
        if (n == 1) return flags.get(0); // known or unknown, a lone flag is the answer
        int best = Integer.MAX_VALUE;
        String firstUnknown = null;
        for (int i = 0; i < n; i++) {
            String f = flags.get(i);
            int rank = FailureClass.FLAG_PRIORITY.indexOf(f);
            if (rank >= 0) {
                if (rank < best) best = rank;
            } else if (firstUnknown == null) {
                firstUnknown = f;
            }
        }
        return best != Integer.MAX_VALUE ? FailureClass.FLAG_PRIORITY.get(best) : firstUnknown;
    }

    /**
     * The cause keyword: {@code rbac_access_denied} when either details value is an RBAC denial, else the keyword
     * of the response-code details, or of the termination details when the former are null.
     */
    public static String cause(String responseCodeDetails, String connectionTerminationDetails) {
        if (startsWith(responseCodeDetails, RBAC_DETAILS_PREFIX)
                || startsWith(connectionTerminationDetails, RBAC_DETAILS_PREFIX)) {
            return RBAC_CAUSE;
        }
        return cause(responseCodeDetails != null ? responseCodeDetails : connectionTerminationDetails);
    }

    /**
     * The cause keyword of one details value: the first item inside {@code {...}} when present
     * ({@code upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}} gives
     * {@code connection_failure}), {@code rbac_access_denied} for RBAC denials, else the value itself.
     */
    public static String cause(String details) {
        if (details == null) return null;
        if (details.startsWith(RBAC_DETAILS_PREFIX)) return RBAC_CAUSE;
        int open = details.indexOf('{');
        if (open < 0) return details;
        int end = open + 1;
        while (end < details.length()) {
            char c = details.charAt(end);
            if (c == ',' || c == '|' || c == '}') break;
            end++;
        }
        int len = end - open - 1;
        if (len == 0) return details.substring(0, open);
        for (int i = 0; i < KNOWN_CAUSES.size(); i++) {
            String k = KNOWN_CAUSES.get(i);
            if (k.length() == len && details.regionMatches(open + 1, k, 0, len)) return k;
        }
        String inner = details.substring(open + 1, end);
        // Envoy up to 1.15 printed the reset reason with a space ("local reset"); newer ones use '_'.
        return inner.indexOf(' ') >= 0 ? inner.replace(' ', '_') : inner;
    }

    /**
     * The {@code namespace/name} of the policy in
     * {@code rbac_access_denied_matched_policy[ns[NS]-policy[NAME]-rule[N]]}; null for {@code [none]} (no ALLOW
     * policy matched), for other details and for shapes this method does not know.
     */
    public static String rbacPolicy(String details) {
        if (!startsWith(details, RBAC_DETAILS_PREFIX)) return null;
        int ns = details.indexOf("[ns[");
        if (ns < 0) return null;
        int nsStart = ns + 4;
        int policy = details.indexOf("]-policy[", nsStart);
        if (policy < 0) return null;
        int nameStart = policy + 9;
        int rule = details.lastIndexOf("]-rule[");
        int nameEnd = rule > nameStart ? rule : details.lastIndexOf("]]");
        if (nameEnd <= nameStart || policy == nsStart) return null;
        return details.substring(nsStart, policy) + '/' + details.substring(nameStart, nameEnd);
    }

    /**
     * Which side the emitting proxy is on, from the upstream cluster (and route, details and SNI for lines without a
     * cluster). Inbound: {@code inbound|…}, {@code inbound-vip|…} (waypoints), {@code InboundPassthroughCluster*},
     * a {@code filter_chain_not_found} connection, or no cluster at all with an Istio mTLS SNI (see
     * {@link #withoutCluster}). Outbound: {@code outbound|…}, the pass-through, black-hole and dynamic-DNS clusters,
     * the {@code block_all}/{@code allow_any} routes, or a no-route 404.
     */
    public static Direction direction(String upstreamCluster, String routeName, List<String> flags,
                                      String responseCodeDetails, String requestedServerName) {
        Direction d = direction(clusterDirection(upstreamCluster), routeName,
                ROUTE_NOT_FOUND.equals(responseCodeDetails) && flags.contains("NR"), responseCodeDetails);
        return d == Direction.UNKNOWN && upstreamCluster == null
                ? withoutCluster(requestedServerName != null && requestedServerName.startsWith(ISTIO_SNI_PREFIX))
                : d;
    }

    /** The direction the upstream cluster alone decides, or null when it does not (or is null). */
    static Direction clusterDirection(String upstreamCluster) {
        if (upstreamCluster != null) {
            if (upstreamCluster.startsWith("outbound|")) return Direction.OUTBOUND;
            if (upstreamCluster.startsWith("inbound|") || upstreamCluster.startsWith("inbound-vip|")
                    || upstreamCluster.startsWith("InboundPassthroughCluster")) {
                return Direction.INBOUND;
            }
            if ("PassthroughCluster".equals(upstreamCluster) || BLACK_HOLE.equals(upstreamCluster)
                    || "AllowAnyDynamicDNSCluster".equals(upstreamCluster)) {
                return Direction.OUTBOUND;
            }
        }
        return null;
    }

    /** {@link #direction(String, String, List, String, String)} once the cluster's part is known, SNI aside. */
    static Direction direction(Direction fromCluster, String routeName, boolean hasNoRouteFlag,
                               String responseCodeDetails) {
        if (fromCluster != null) return fromCluster;
        if (FILTER_CHAIN_NOT_FOUND.equals(responseCodeDetails)) return Direction.INBOUND;
        if (BLOCK_ALL.equals(routeName) || "allow_any".equals(routeName)) return Direction.OUTBOUND;
        if (ROUTE_NOT_FOUND.equals(responseCodeDetails) && hasNoRouteFlag) return Direction.OUTBOUND;
        return Direction.UNKNOWN;
    }

    /**
     * The direction of a line that has no cluster and that the other rules leave unknown. A connection the proxy
     * closed before its TCP proxy picked a cluster (a network RBAC denial on the server side prints
     * {@code "- - -" 0 - - rbac_access_denied_matched_policy[…]} with cluster {@code -}) still carries the SNI the
     * caller presented: a client sidecar's mTLS SNI, {@code outbound_.<port>_.<subset>_.<fqdn>}, reaches only the
     * server's sidecar (or a gateway, which pair attribution treats as the source whatever the direction). An
     * application's own TLS carries its own host name, so any other SNI tells nothing.
     */
    static Direction withoutCluster(boolean istioSni) {
        return istioSni ? Direction.INBOUND : Direction.UNKNOWN;
    }

    private static boolean startsWith(String s, String prefix) {
        return s != null && s.startsWith(prefix);
    }
}
