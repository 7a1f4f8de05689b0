package io.meshpulse.sim;

import io.meshpulse.sim.Incident.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named fire drills on the AKS shop mesh ({@link MeshSpec#aksShop()}): one per diagnosis-catalog entry, plus a
 * baseline. Each injects its incident about two minutes after the start (so pairs have a history), at a different
 * second of a 10 s window from one drill to the next, and says which alert it should raise. Used by {@code meshpulse simulate}
 * and by the alert tests.
 *
 * @param name           what {@code --scenario} takes
 * @param catalogEntry   the catalog entry the alert should be explained by
 * @param failureClass   the class of the expected alert
 * @param reporter       who reports it
 * @param source         {@code ns/workload} of the expected alert's source, or null for a caller without a sidecar (or, for
 *                       an error-budget burn, for all the destination's callers)
 * @param destination    {@code ns/name} as alerts print it (namespace/workload), or the external host
 * @param incidents      what goes wrong
 * @param description    one line for humans
 */
public record Scenario(String name, String catalogEntry, String failureClass, String reporter, String source,
                        String destination, List<Incident> incidents, String description) {
    // Each drill starts its incident at a different second of a 10 s window (0..9 s in), so that the measured
    // detection delays cover where in a window an incident can begin.

    public static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    public static final Duration INCIDENT_OFFSET = Duration.ofSeconds(122);
    public static final Duration INCIDENT_LENGTH = Duration.ofSeconds(60);
    public static final Duration LENGTH = Duration.ofSeconds(230);
    /** Half the shop's normal rate: enough traffic for every pair, and fast enough to run every drill in tests. */
    public static final double RATE = 0.5;

    public Instant incidentStart() {
        return incidents.isEmpty() ? START.plus(INCIDENT_OFFSET) : incidents.get(0).start();
    }

    private static int drill;

    /** 120 s of history, then the incident at 0…9 s into its window, cycling from one drill to the next. */
    private static Instant nextStart() {
        return START.plus(Duration.ofSeconds(120 + (drill++ * 3L) % 10));
    }

    /** The simulation config of this scenario: the shop at {@link #RATE} with noise lines, two minutes before the incident. */
    public SimConfig config(long seed) {
        return SimConfig.defaults(seed, START, LENGTH).withRateMultiplier(RATE).withIncidents(incidents);
    }

    public SimResult generate(java.nio.file.Path out, long seed) throws java.io.IOException {
        return MeshSimulator.generate(MeshSpec.aksShop(), config(seed), out);
    }

    private static Instant current = START.plus(INCIDENT_OFFSET);

    private static Incident inc(Kind k, String caller, String callee, double fraction) {
        return Incident.of(k, caller, callee, current, INCIDENT_LENGTH, fraction);
    }

    private static Scenario add(List<Scenario> l, Scenario s) {
        l.add(s);
        current = nextStart();
        return s;
    }

    public static final Map<String, Scenario> ALL;

    static {
        List<Scenario> l = new ArrayList<>();
        current = nextStart();
        add(l, new Scenario("baseline", null, null, null, null, null, List.of(),
                "four minutes of the shop with its usual background noise (a chronic 1% UC on checkout-api → cart)"));
        add(l, new Scenario("uc-client-tls-disable", "uc-client-tls-disable", "UC", "source", "checkout/checkout-api",
                "checkout/payments-api", List.of(inc(Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api", "checkout/payments-api", 0.6)),
                "checkout-api pinned to tls.mode DISABLE against a STRICT payments-api: 503 UC + filter_chain_not_found"));
        add(l, new Scenario("uc-connection-termination", "uc-connection-termination", "UC", "source", "web/frontend",
                "store/cart", List.of(inc(Kind.UC_UPSTREAM_RESET, "web/frontend", "store/cart", 0.3)),
                "cart resets connections: frontend sees 503 UC, no TLS rejection on the server"));
        add(l, new Scenario("uf-connect-failure", "uf-connect-failure", "UF", "source", "web/frontend",
                "store/cart", List.of(inc(Kind.UF_CONN_REFUSED, "web/frontend", "store/cart", 0.5)),
                "cart refuses connections: 503 UF,URX at frontend"));
        add(l, new Scenario("uh-no-healthy-upstream", "uh-no-healthy-upstream", "UH", "source", "web/frontend",
                "store/cart", List.of(inc(Kind.UH_NO_ENDPOINTS, "web/frontend", "store/cart", 1.0),
                        inc(Kind.UH_NO_ENDPOINTS, "checkout/checkout-api", "store/cart", 1.0)),
                "cart has no ready endpoints: 503 UH for every caller"));
        add(l, new Scenario("uh-one-caller", "uh-no-healthy-upstream", "UH", "source", "checkout/checkout-api",
                "store/cart", List.of(inc(Kind.UH_NO_ENDPOINTS, "checkout/checkout-api", "store/cart", 1.0)),
                "only checkout-api's proxy sees no healthy cart endpoint (outlier ejection / stale endpoints)"));
        add(l, new Scenario("urx-retries-exhausted", "urx-retries-exhausted", "URX", "source", "web/frontend",
                "store/cart", List.of(inc(Kind.URX_RETRIES, "web/frontend", "store/cart", 0.4)),
                "frontend's retries to cart run out: 503 URX"));
        add(l, new Scenario("ut-upstream-timeout", "ut-upstream-timeout", "UT", "source", "web/frontend",
                "checkout/checkout-api", List.of(inc(Kind.UT_TIMEOUT, "web/frontend", "checkout/checkout-api", 0.5)
                        .withTimeout(Duration.ofSeconds(5))),
                "checkout-api too slow for frontend's 5 s route timeout: 504 UT at the client, DC at the server"));
        add(l, new Scenario("uo-overflow", "uo-overflow", "UO", "source", "web/frontend", "store/cart",
                List.of(inc(Kind.UO_OVERFLOW, "web/frontend", "store/cart", 0.4)),
                "frontend's circuit breaker for cart is full: 503 UO"));
        add(l, new Scenario("nr-filter-chain-uninjected-client", "nr-filter-chain-uninjected-client", "NR", "destination",
                null, "checkout/payments-api",
                List.of(inc(Kind.MTLS_PLAINTEXT_TO_STRICT, "ops/legacy-reconciler", "checkout/payments-api", 1.0)),
                "payments-api turned STRICT while legacy-reconciler has no sidecar: NR filter_chain_not_found at the server"));
        add(l, new Scenario("nr-filter-chain-plaintext", "nr-filter-chain-plaintext", "NR", "destination",
                "checkout/checkout-api", "checkout/payments-api",
                List.of(inc(Kind.PLAINTEXT_BYPASS, "checkout/checkout-api", "checkout/payments-api", 0.6)),
                "a meshed checkout-api sends plaintext past its sidecar to a STRICT payments-api"));
        add(l, new Scenario("nr-route-not-found", "nr-route-not-found", "NR", "source", "web/frontend",
                "checkout/checkout-api", List.of(inc(Kind.NR_ROUTE, "web/frontend", "checkout/checkout-api", 0.5)),
                "a VirtualService change leaves frontend's calls to checkout-api without a route: 404 NR"));
        add(l, new Scenario("nc-cluster-not-found", "nc-cluster-not-found", "NC", "source", "web/frontend",
                "store/cart", List.of(inc(Kind.NC_NO_CLUSTER, "web/frontend", "store/cart", 0.5)),
                "a route to an undefined subset of cart: 503 NC"));
        add(l, new Scenario("rbac-deny-policy", "rbac-deny-policy", "RBAC", "destination", "checkout/checkout-api",
                "store/cart", List.of(inc(Kind.RBAC_DENY, "checkout/checkout-api", "store/cart", 1.0)
                        .withPolicy("deny-checkout-api")),
                "a DENY AuthorizationPolicy deny-checkout-api on cart: 403 rbac_access_denied naming it"));
        add(l, new Scenario("rbac-allow-default-deny", "rbac-allow-default-deny", "RBAC", "destination",
                "checkout/checkout-api", "store/cart",
                List.of(inc(Kind.RBAC_ALLOW_NONE, "checkout/checkout-api", "store/cart", 1.0)),
                "an ALLOW policy on cart that does not list checkout-api: 403 matched policy [none]"));
        add(l, new Scenario("uaex-ext-authz-denied", "uaex-ext-authz-denied", "UAEX", "destination", "web/frontend",
                "checkout/checkout-api", List.of(inc(Kind.UAEX_DENY, "web/frontend", "checkout/checkout-api", 0.5)),
                "an external authorizer in front of checkout-api denies frontend: 403 UAEX"));
        add(l, new Scenario("rl-rate-limited", "rl-rate-limited", "RL", "destination", "web/frontend", "store/cart",
                List.of(inc(Kind.RL_LOCAL, "web/frontend", "store/cart", 0.4)),
                "cart's local rate limit refuses frontend: 429 RL"));
        add(l, new Scenario("dc-downstream-disconnect", "dc-downstream-disconnect", "DC", "source", "web/frontend",
                "checkout/checkout-api", List.of(inc(Kind.DC_CALLER_HANGUP, "web/frontend", "checkout/checkout-api", 0.5)),
                "frontend's app hangs up on checkout-api before the answer: 0 DC on both sides"));
        add(l, new Scenario("egress-blocked", "egress-blocked", "EGRESS_BLOCKED", "source", "checkout/payments-api",
                "api.stripe.com", List.of(Incident.of(Kind.EGRESS_BLOCKED, "checkout/payments-api", "api.stripe.com",
                        current, INCIDENT_LENGTH, 1.0)),
                "REGISTRY_ONLY switched on without a ServiceEntry for api.stripe.com"));
        add(l, new Scenario("fault-injection", "fault-injection", "FI", "source", "web/frontend", "store/cart",
                List.of(inc(Kind.FI_ABORT, "web/frontend", "store/cart", 0.3)),
                "a VirtualService abort fault on cart left on: 503 FI"));
        add(l, new Scenario("app-5xx", "app-5xx", "APP_5XX", "source", "web/frontend", "checkout/checkout-api",
                List.of(inc(Kind.APP_5XX, "web/frontend", "checkout/checkout-api", 0.5)),
                "checkout-api answers 500 itself"));
        add(l, new Scenario("egress-audit", "egress-audit", "EGRESS_AUDIT", "source", "checkout/payments-api",
                "api.stripe.com", List.of(), "no incident: the audit of external hosts that REGISTRY_ONLY would block"));
        add(l, new Scenario("traffic-silence", "traffic-silence", "SILENCE", "source", "web/frontend", "store/catalog",
                List.of(inc(Kind.TRAFFIC_STOP, "web/frontend", "store/catalog", 1.0)),
                "frontend stops calling catalog (30 req/s until then)"));
        add(l, new Scenario("slo-burn", "slo-burn", "SLO_BURN", "source", null, "store/cart",
                List.of(inc(Kind.UH_NO_ENDPOINTS, "web/frontend", "store/cart", 1.0),
                        inc(Kind.UH_NO_ENDPOINTS, "checkout/checkout-api", "store/cart", 1.0)),
                "cart's callers fail enough to burn its error budget 14.4× too fast"));
        add(l, new Scenario("generic-failure", "generic-failure", "UPE", "source", "web/frontend", "store/cart",
                List.of(inc(Kind.UPE_PROTOCOL_ERROR, "web/frontend", "store/cart", 0.5)),
                "cart speaks a broken protocol: 502 UPE (a flag the catalog has no entry for)"));
        Map<String, Scenario> m = new LinkedHashMap<>();
        for (Scenario s : l) m.put(s.name(), s);
        ALL = java.util.Collections.unmodifiableMap(m);
    }

    public static Scenario named(String name) {
        Scenario s = ALL.get(name);
        if (s == null) throw new IllegalArgumentException("unknown scenario " + name + "; known: " + ALL.keySet());
        return s;
    }
}
