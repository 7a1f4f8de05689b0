package io.meshpulse.app.serve;

import java.util.Map;

/** One line per failure class: what the class says happened, for the explain answer and the page. */
final class FailureMeanings {
    private static final Map<String, String> MEANINGS = Map.ofEntries(
            Map.entry("UC", "the upstream connection closed before a response came back (often a TLS-mode mismatch, an idle connection reused after the server closed it, or a crashing server)"),
            Map.entry("UF", "the proxy could not open a connection to the upstream (refused, reset, or a failed TLS handshake)"),
            Map.entry("UH", "no healthy upstream host: the service has no ready endpoints or all of them are ejected"),
            Map.entry("UT", "the upstream did not answer within the route timeout"),
            Map.entry("UO", "the upstream circuit breaker overflowed (connection or request limits)"),
            Map.entry("NR", "no route or no matching filter chain (on the server side: often a plaintext client hitting a STRICT mTLS port)"),
            Map.entry("NC", "the upstream cluster was not found in the proxy's configuration"),
            Map.entry("URX", "retries or connect attempts were exhausted"),
            Map.entry("DC", "the downstream (caller) closed the connection"),
            Map.entry("RL", "rate limited locally"),
            Map.entry("UAEX", "denied by the external authorization service"),
            Map.entry("RBAC", "denied by an Istio AuthorizationPolicy (403 rbac_access_denied)"),
            Map.entry("EGRESS_BLOCKED", "blocked egress: the host is not in the service registry and the mesh allows registry-only traffic"),
            Map.entry("APP_5XX", "the application itself answered 5xx (no proxy flag)"),
            Map.entry("APP_4XX", "the application answered 4xx (not counted as a failure)"),
            Map.entry("DI", "the request was delayed by fault injection (not counted as a failure)"));

    private FailureMeanings() {}

    static String of(String failureClass) {
        return MEANINGS.getOrDefault(failureClass, "Envoy response flag " + failureClass);
    }
}
