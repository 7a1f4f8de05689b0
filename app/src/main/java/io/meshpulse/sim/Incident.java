package io.meshpulse.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A failure injected into one edge (caller workload → callee service) for a span of time. A request of that
 * edge whose start time lies in {@code [start, start + duration)} is affected with probability {@code fraction}.
 *
 * @param calleeNamespace namespace of the callee service; null for an external host ({@link Kind#EGRESS_BLOCKED})
 * @param calleeService   the callee's Service name, or the external host
 * @param timeout         only for {@link Kind#UT_TIMEOUT}: the route timeout (line duration); default 15 s
 * @param policy          only for {@link Kind#RBAC_DENY}: the AuthorizationPolicy name in the details
 */
public record Incident(Kind kind, String callerNamespace, String callerWorkload, String calleeNamespace,
                       String calleeService, Instant start, Duration duration, double fraction, Duration timeout,
                       String policy) {

    public enum Kind {
        /**
         * A caller that sends plaintext to a STRICT server: with a sidecar pinned to tls.mode DISABLE, client 503 UC
         * and server 0 NR filter_chain_not_found; without a sidecar, only the server's NR line.
         */
        MTLS_PLAINTEXT_TO_STRICT,
        /** The service has no ready endpoints: client 503 UH no_healthy_upstream; nothing on the server. */
        UH_NO_ENDPOINTS,
        /** Endpoint refuses connections (proxy gone, app not listening): client 503 UF,URX; nothing on the server. */
        UF_CONN_REFUSED,
        /** A DENY AuthorizationPolicy on the server: server 403 rbac_access_denied…, client 403 via_upstream. */
        RBAC_DENY,
        /** No route matches at the client sidecar: client 404 NR route_not_found; nothing on the server. */
        NR_ROUTE,
        /** Route timeout: client 504 UT response_timeout (duration = timeout); server 0 DC downstream_remote_disconnect. */
        UT_TIMEOUT,
        /** The app answers 500: both sides 500 via_upstream. */
        APP_5XX,
        /** REGISTRY_ONLY switched on for an external host: BlackHoleCluster (TLS) or 502 block_all (HTTP). */
        EGRESS_BLOCKED,
        /** The upstream resets connections (crash, idle keep-alive cut): client 503 UC; no TLS rejection on the server. */
        UC_UPSTREAM_RESET,
        /** Retries used up on a flapping upstream: client 503 URX via_upstream; nothing on the server. */
        URX_RETRIES,
        /** The client's circuit breaker is full: client 503 UO {overflow}; nothing on the server. */
        UO_OVERFLOW,
        /** The route points to an undefined subset: client 503 NC cluster_not_found; nothing on the server. */
        NC_NO_CLUSTER,
        /** A VirtualService abort fault: client 503 FI fault_filter_abort; nothing on the server. */
        FI_ABORT,
        /** The upstream speaks a broken protocol: client 502 UPE {protocol_error}; nothing on the server. */
        UPE_PROTOCOL_ERROR,
        /** An ALLOW policy on the server that does not list the caller: server 403 rbac_access_denied_matched_policy[none]. */
        RBAC_ALLOW_NONE,
        /** A CUSTOM (ext_authz) policy denies: server 403 UAEX ext_authz_denied, client 403 via_upstream. */
        UAEX_DENY,
        /** The server sidecar's local rate limit: server 429 RL local_rate_limited, client 429 via_upstream. */
        RL_LOCAL,
        /** The calling app hangs up before the answer: both sides 0 DC downstream_remote_disconnect. */
        DC_CALLER_HANGUP,
        /** The caller's traffic bypasses its own sidecar (meshed pod, plaintext): server 0 NR filter_chain_not_found only. */
        PLAINTEXT_BYPASS,
        /** The caller stops calling: no lines at all for the edge. */
        TRAFFIC_STOP
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    public Incident {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(callerNamespace);
        Objects.requireNonNull(callerWorkload);
        Objects.requireNonNull(calleeService);
        Objects.requireNonNull(start);
        Objects.requireNonNull(duration);
        if (fraction < 0 || fraction > 1) throw new IllegalArgumentException("fraction in [0,1]: " + fraction);
        if (timeout == null) timeout = DEFAULT_TIMEOUT;
        if (policy == null) policy = "deny-" + callerWorkload;
        if (kind == Kind.EGRESS_BLOCKED && calleeNamespace != null) {
            throw new IllegalArgumentException("EGRESS_BLOCKED names an external host: calleeNamespace must be null");
        }
        if (kind != Kind.EGRESS_BLOCKED && calleeNamespace == null) {
            throw new IllegalArgumentException(kind + " needs a callee namespace");
        }
    }

    /**
     * {@code caller} is {@code namespace/workload}; {@code callee} is {@code namespace/service} or, for
     * {@link Kind#EGRESS_BLOCKED}, the external host.
     */
    public static Incident of(Kind kind, String caller, String callee, Instant start, Duration duration,
                              double fraction) {
        String[] c = split(caller);
        if (kind == Kind.EGRESS_BLOCKED) {
            return new Incident(kind, c[0], c[1], null, callee, start, duration, fraction, null, null);
        }
        String[] s = split(callee);
        return new Incident(kind, c[0], c[1], s[0], s[1], start, duration, fraction, null, null);
    }

    private static String[] split(String id) {
        int i = id.indexOf('/');
        if (i <= 0 || i == id.length() - 1) throw new IllegalArgumentException("expected namespace/name: " + id);
        return new String[] {id.substring(0, i), id.substring(i + 1)};
    }

    public Incident withTimeout(Duration t) {
        return new Incident(kind, callerNamespace, callerWorkload, calleeNamespace, calleeService, start, duration,
                fraction, t, policy);
    }

    public Incident withPolicy(String p) {
        return new Incident(kind, callerNamespace, callerWorkload, calleeNamespace, calleeService, start, duration,
                fraction, timeout, p);
    }

    public Instant end() {
        return start.plus(duration);
    }

    boolean covers(long startMillis) {
        return startMillis >= start.toEpochMilli() && startMillis < end().toEpochMilli();
    }
}
