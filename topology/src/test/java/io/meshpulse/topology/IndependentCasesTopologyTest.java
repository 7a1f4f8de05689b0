package io.meshpulse.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.PairWindowStats;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The hardest cases of an independent generator (written from the rules and FORMATS.md alone, not from this
 * code), as lines typed out by hand: each layout era, multi-flag sets, TCP and JSON lines, IPv6, gateways, late and
 * out-of-order lines, and a pod whose generated name Kubernetes cut inside its ReplicaSet hash. Every line must land
 * in exactly one pair per reporter, with the class the rules give it, or be dead-lettered as late.
 */
class IndependentCasesTopologyTest extends SpineWiring {
    // A Deployment with a 56-character name: its pods are "<name>-6" + 5 random characters (the hash cut to "6").
    static final String LONG = "payments-reconciliation-worker-for-the-eu-west-region-v2";
    static final String LONG_POD = LONG + "-6kz5tw";
    static final String CART_POD = "cart-v2-5b7c9d8f4-q9wzr";
    static final String CART = "shop/cart.shop.svc.cluster.local";

    /** Istio 1.23+ TEXT (22 tokens), outbound from LONG_POD to cart. */
    static String longToCart(String start, String codeFlagsDetails) {
        return "[2026-11-20T10:00:" + start + "Z] \"GET /api/v1/items/1 HTTP/1.1\" " + codeFlagsDetails
                + " - \"-\" 10 20 5 4 \"-\" \"Go-http-client/1.1\" \"r-" + start + "\" \"cart:8080\" \"10.244.1.12:8080\""
                + " outbound|8080||cart.shop.svc.cluster.local 10.244.3.42:40001 10.0.10.2:8080 10.244.3.42:50001 -"
                + " cart.shop.svc.cluster.local:8080";
    }

    @Test
    void everyLineLandsInOnePairPerReporterWithTheClassTheRulesGive() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line("shop", LONG_POD, longToCart("01.000", "200 - via_upstream"));
            // flags are a set: URX,UF is UF (UF comes first in the class order); DI,UT is UT
            t.line("shop", LONG_POD, longToCart("02.000", "503 URX,UF upstream_reset_before_response_started"
                    + "{remote_connection_failure|delayed_connect_error:_Connection_refused}"));
            t.line("shop", LONG_POD, longToCart("03.000", "504 DI,UT response_timeout"));
            // TCP to BlackHoleCluster: EGRESS_BLOCKED before the UH flag; the destination is the address it tried
            t.line("shop", LONG_POD, "[2026-11-20T10:00:04.000Z] \"- - -\" 0 UH - - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\""
                    + " \"-\" BlackHoleCluster - 192.0.2.50:5432 10.244.3.42:50004 - -");
            // cart's server side (Istio 1.9-1.22 TEXT): the caller resolves to LONG's workload through its IP
            t.line("shop", CART_POD, "[2026-11-20T10:00:01.002Z] \"GET /api/v1/items/1 HTTP/1.1\" 200 - via_upstream -"
                    + " \"-\" 10 20 4 3 \"-\" \"Go-http-client/1.1\" \"r-01\" \"cart:8080\" \"10.244.1.12:8080\" inbound|8080||"
                    + " 127.0.0.6:41001 10.244.1.12:8080 10.244.3.42:40001 outbound_.8080_._.cart.shop.svc.cluster.local"
                    + " default");
            // TCP RBAC denial: code 0, no flag, the reason in CONNECTION_TERMINATION_DETAILS; the caller has no sidecar
            t.line("shop", CART_POD, "[2026-11-20T10:00:05.000Z] \"- - -\" 0 - - rbac_access_denied_matched_policy[none]"
                    + " \"-\" 0 0 1 - \"-\" \"-\" \"-\" \"-\" \"-\" inbound|9090|| - 10.244.1.12:9090 10.244.7.7:40005 - -");
            // the same denial as the network RBAC filter often prints it: closed before the TCP proxy picked a cluster,
            // so no cluster; the caller's sidecar's mTLS SNI shows it is the server's line
            t.line("shop", CART_POD, "[2026-11-20T10:00:05.500Z] \"- - -\" 0 - - rbac_access_denied_matched_policy[none]"
                    + " \"-\" 0 0 1 - \"-\" \"-\" \"-\" \"-\" \"-\" - - 10.244.1.12:9090 10.244.7.8:40006"
                    + " outbound_.9090_._.cart.shop.svc.cluster.local -");
            // IPv6: search-0 (StatefulSet) calls catalog, whose sidecar logs Istio <=1.7 JSON (all strings)
            t.line("edge", "search-0", "[2026-11-20T10:00:06.000Z] \"GET /c HTTP/1.1\" 200 - via_upstream - \"-\" 1 2 3 2"
                    + " \"-\" \"ua\" \"r-6\" \"catalog:8080\" \"[fd00:10:244:2::5]:8080\" outbound|8080||catalog.edge.svc.cluster.local"
                    + " [fd00:10:244:2::6]:45826 [fd00:10:96::a]:8080 [fd00:10:244:2::6]:40133 - catalog.edge.svc.cluster.local:8080");
            for (String caller : List.of("[fd00:10:244:2::6]:45826", "[fd00:10:244:2::99]:45173")) {
                t.line("edge", "catalog-58d7c9f6b4-w4n2r", "{\"upstream_cluster\":\"inbound|8080|http|catalog.edge.svc.cluster.local\","
                        + "\"downstream_remote_address\":\"" + caller + "\",\"response_code\":\"200\",\"protocol\":\"HTTP/1.1\","
                        + "\"start_time\":\"2026-11-20T10:00:06.002Z\",\"method\":\"GET\",\"path\":\"/c\",\"response_flags\":\"-\","
                        + "\"bytes_received\":\"1\",\"bytes_sent\":\"2\",\"duration\":\"2\",\"upstream_service_time\":\"1\","
                        + "\"x_forwarded_for\":\"-\",\"user_agent\":\"ua\",\"request_id\":\"r-6\",\"authority\":\"catalog:8080\","
                        + "\"upstream_host\":\"127.0.0.1:8080\",\"upstream_local_address\":\"127.0.0.1:51000\","
                        + "\"downstream_local_address\":\"[fd00:10:244:2::5]:8080\",\"requested_server_name\":\"-\","
                        + "\"route_name\":\"default\",\"upstream_transport_failure_reason\":\"-\",\"istio_policy_status\":\"-\"}");
            }
            // Istio 1.0.3+: no space before the protocol; and 1.0's separate TCP layout, with no code token
            String cron = "cleanup-28999200-xk2lp";
            t.line("batch", cron, "[2026-11-20T10:00:07.000Z] \"POST /api/v1/items/685HTTP/1.1\" 200 - 123 1443 22 21 \"-\""
                    + " \"Go-http-client/1.1\" \"r-7\" \"cart:8080\" \"10.244.1.12:8080\" outbound|8080||cart.shop.svc.cluster.local"
                    + " 10.244.1.20:58643 10.0.10.2:8080 10.244.1.20:41028");
            t.line("batch", cron, "[2026-11-20T10:00:07.500Z] UF 0 0 1 \"-\" outbound|6379||redis.shop.svc.cluster.local -"
                    + " 10.0.10.4:6379 10.244.1.20:37959");
            // an AKS ingress gateway, Istio 1.24.1 typed JSON with the trailing ';' on the cluster
            t.line("aks-istio-ingress", "aks-istio-ingressgateway-external-asm-1-24-6f8d9c7b5-x7k2p",
                    "{\"response_flags\":\"UH,URX\",\"upstream_cluster\":\"outbound|80||frontend.shop.svc.cluster.local;\","
                    + "\"start_time\":\"2026-11-20T10:00:08.000Z\",\"response_code\":503,\"method\":\"GET\",\"path\":\"/\","
                    + "\"protocol\":\"HTTP/1.1\",\"response_code_details\":\"no_healthy_upstream\",\"duration\":0,"
                    + "\"connection_termination_details\":null,\"bytes_received\":0,\"bytes_sent\":19,\"upstream_host\":null,"
                    + "\"upstream_local_address\":null,\"downstream_local_address\":\"10.244.0.10:8443\","
                    + "\"downstream_remote_address\":\"20.50.60.70:4000\",\"x_forwarded_for\":\"20.50.60.70\",\"authority\":\"shop\","
                    + "\"route_name\":\"shop-route\",\"requested_server_name\":null,\"upstream_service_time\":null,"
                    + "\"user_agent\":\"curl\",\"request_id\":\"r-8\",\"upstream_transport_failure_reason\":null}");
            // out of order: 09.5 comes after 35 but is within its window's grace (ends at 10 + 30)
            t.line("shop", LONG_POD, longToCart("12.000", "200 - via_upstream"));
            t.line("shop", LONG_POD, longToCart("35.000", "200 - via_upstream"));
            t.line("shop", LONG_POD, longToCart("09.500", "200 - via_upstream"));
            // after 45, a line of [0, 10) is past its grace: dead-lettered as late, not counted
            t.line("shop", LONG_POD, longToCart("45.000", "200 - via_upstream"));
            t.line("shop", LONG_POD, longToCart("08.000", "200 - via_upstream"));
            t.endOfInput(true);

            Map<String, String> got = new TreeMap<>();
            for (PairWindowStats s : t.stats()) {
                String key = key(s);
                String[] prev = got.getOrDefault(key, "0 {}").split(" ", 2);
                long n = Long.parseLong(prev[0]) + s.requests();
                Map<String, Long> classes = new TreeMap<>();
                if (!prev[1].equals("{}")) {
                    for (String kv : prev[1].substring(1, prev[1].length() - 1).split(", ")) {
                        classes.put(kv.split("=")[0], Long.parseLong(kv.split("=")[1]));
                    }
                }
                s.byClass().forEach((c, v) -> classes.merge(c, v, Long::sum));
                got.put(key, n + " " + classes);
            }
            Map<String, String> want = new TreeMap<>(Map.of(
                    "source|shop/" + LONG + "|" + CART, "7 {UF=1, UT=1}",
                    "source|shop/" + LONG + "|null/192.0.2.50", "1 {EGRESS_BLOCKED=1}",
                    "destination|shop/" + LONG + "|shop/cart-v2", "1 {}",
                    "destination|null/10.244.7.7|shop/cart-v2", "1 {RBAC=1}",
                    "source|edge/search|edge/catalog.edge.svc.cluster.local", "1 {}",
                    "destination|edge/search|edge/catalog", "1 {}",
                    "destination|null/fd00:10:244:2::99|edge/catalog", "1 {}",
                    "source|batch/cleanup|" + CART, "1 {}",
                    "source|batch/cleanup|shop/redis.shop.svc.cluster.local", "1 {UF=1}",
                    "source|aks-istio-ingress/aks-istio-ingressgateway-external-asm-1-24|shop/frontend.shop.svc.cluster.local",
                    "1 {UH=1}"));
            want.put("destination|null/10.244.7.8|shop/cart-v2", "1 {RBAC=1}");
            assertEquals(want, got);

            List<DeadLetter> dead = t.deadLetters();
            assertEquals(1, dead.size(), dead.toString());
            assertEquals("late", dead.get(0).kind());
            assertEquals(LONG_POD, dead.get(0).pod());
        }
    }

    /** Reporter, source, and the destination as the reporter knows it: the service for a client, the workload for a server. */
    private static String key(PairWindowStats s) {
        String dst = s.reporter().equals("source")
                ? s.destination().namespace() + "/" + s.destination().service()
                : s.destination().namespace() + "/" + s.destination().workload();
        return s.reporter() + "|" + s.source().namespace() + "/" + s.source().workload() + "|" + dst;
    }
}
