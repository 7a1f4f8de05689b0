package io.meshpulse.sim;

import static io.meshpulse.sim.SimFiles.content;
import static io.meshpulse.sim.SimFiles.isAccessLog;
import static io.meshpulse.sim.SimFiles.lines;
import static io.meshpulse.sim.SimFiles.proxyFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshSpecTest {

    static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void shopIsTheAdvertisedMesh() {
        MeshSpec s = MeshSpec.aksShop();
        assertEquals(5, s.namespaces().size());
        assertTrue(s.namespaces().contains(MeshSpec.INGRESS_NAMESPACE));
        assertEquals(MeshSpec.Kind.STATEFUL_SET, s.workload("store", "redis").kind());
        assertEquals(MeshSpec.Kind.DAEMON_SET, s.workload("ops", "node-probe").kind());
        assertFalse(s.workload("ops", "legacy-reconciler").injected());
        assertTrue(s.workload("checkout", "payments-api").jsonLogs());
        assertTrue(s.workloads().stream().anyMatch(MeshSpec.Workload::isGateway));
        assertTrue(s.calls().stream().anyMatch(c -> c.chronicUcFraction() > 0));
    }

    @Test
    void syntheticPairsScaleWithWorkloadsAndFanOut() throws IOException {
        MeshSpec s = MeshSpec.synthetic(4, 25, 10, 1, 3);
        assertEquals(100 * 10 + 3, s.calls().size());
        Set<String> edges = new HashSet<>();
        for (MeshSpec.Call c : s.calls()) {
            assertTrue(edges.add(c.callerNamespace() + "/" + c.caller() + ">" + c.calleeNamespace() + "/"
                    + c.calleeService()), "distinct edges");
        }
        SimConfig cfg = SimConfig.defaults(3, T0, Duration.ofSeconds(40)).withNoise(false);
        SimResult r = MeshSimulator.generate(s, cfg, tmp.resolve("syn"));
        // each meshed edge is seen by both reporters (rates ≥ 0.2/s over 40 s: every edge has traffic)
        assertEquals(2 * s.calls().size(), r.truth().pairs().size());
        assertEquals(0, r.truth().otherLines());
        long n = 0;
        for (Path f : proxyFiles(tmp.resolve("syn"))) {
            assertFalse(f.toString().endsWith(".gz"));
            for (String l : lines(f)) {
                assertTrue(isAccessLog(content(l)));
                n++;
            }
        }
        assertEquals(r.truth().lines(), n);
        for (SimResult.Pair p : r.truth().pairs()) {
            assertTrue(p.source().namespace() != null && p.destination().workload() != null, p.toString());
        }
    }

    @Test
    void syntheticCanReachTenThousandPairs() {
        MeshSpec s = MeshSpec.synthetic(10, 50, 10, 2, 1);
        assertEquals(5003, s.calls().size()); // × 2 reporters ≈ 10k pairs
        assertEquals(1 + 500, s.workloads().size());
    }

    @Test
    void incidentsMustMatchACallAndFitTheEdge() {
        MeshSpec s = MeshSpec.aksShop();
        Path out = tmp.resolve("x");
        SimConfig base = SimConfig.defaults(1, T0, Duration.ofSeconds(5));
        assertThrows(IllegalArgumentException.class, () -> MeshSimulator.generate(s, base.withIncidents(List.of(
                Incident.of(Incident.Kind.APP_5XX, "web/frontend", "checkout/payments-api", T0,
                        Duration.ofSeconds(1), 1))), out));
        assertThrows(IllegalArgumentException.class, () -> MeshSimulator.generate(s, base.withIncidents(List.of(
                Incident.of(Incident.Kind.NR_ROUTE, "store/cart", "store/redis", T0, Duration.ofSeconds(1), 1))),
                out));
        assertThrows(IllegalArgumentException.class, () -> MeshSimulator.generate(s, base.withIncidents(List.of(
                Incident.of(Incident.Kind.UH_NO_ENDPOINTS, "ops/legacy-reconciler", "checkout/payments-api", T0,
                        Duration.ofSeconds(1), 1))), out));
        assertThrows(IllegalArgumentException.class, () -> base.withSlow(0.1, Duration.ofSeconds(30)));
        assertThrows(IllegalArgumentException.class, () -> base.withIncidents(List.of(
                Incident.of(Incident.Kind.UT_TIMEOUT, "web/frontend", "store/cart", T0, Duration.ofSeconds(1), 1)
                        .withTimeout(Duration.ofSeconds(25)))));
    }

    @Test
    void noIncidentsNoNoiseGivesOnlyBaselineClasses() throws IOException {
        SimResult r = MeshSimulator.generate(MeshSpec.aksShop(),
                SimConfig.defaults(5, T0, Duration.ofSeconds(30)).withNoise(false).withRotation(1 << 20, false),
                tmp.resolve("base"));
        assertEquals(0, r.truth().otherLines());
        Set<String> classes = new HashSet<>();
        for (SimResult.Pair p : r.truth().pairs()) classes.addAll(p.byClass().keySet());
        assertTrue(Set.of("APP_4XX", "APP_5XX", "UC").containsAll(classes), classes.toString());
        assertTrue(classes.contains("APP_4XX"));
        assertTrue(r.truth().restarts().isEmpty());
        assertTrue(r.truth().incidents().isEmpty());
    }

    @Test
    void lineFormatTimestamps() {
        LineFormat f = new LineFormat();
        StringBuilder sb = new StringBuilder();
        long sec = Instant.parse("2025-03-01T10:00:05Z").getEpochSecond();
        f.appendCriTime(sb, sec * 1_000_000_000L + 120_000_000L);
        assertEquals("2025-03-01T10:00:05.12Z", sb.toString());
        sb.setLength(0);
        f.appendCriTime(sb, sec * 1_000_000_000L);
        assertEquals("2025-03-01T10:00:05Z", sb.toString());
        sb.setLength(0);
        f.appendCriTime(sb, sec * 1_000_000_000L + 7);
        assertEquals("2025-03-01T10:00:05.000000007Z", sb.toString());
        sb.setLength(0);
        f.appendStartTime(sb, sec * 1000 + 9);
        assertEquals("2025-03-01T10:00:05.009Z", sb.toString());
        assertEquals("20250301-100005", LineFormat.rotationSuffix(sec));
    }

    @Test
    void classificationRules() {
        AccessLine l = new AccessLine();
        l.protocol = "HTTP/1.1";
        l.code = 503;
        l.flags = "URX,UF";
        assertEquals("UF", TruthRecorder.classify(l));
        l.flags = null;
        assertEquals("APP_5XX", TruthRecorder.classify(l));
        l.code = 403;
        l.details = "rbac_access_denied_matched_policy[none]";
        assertEquals("RBAC", TruthRecorder.classify(l));
        l.code = 502;
        l.details = "direct_response";
        l.route = "block_all";
        assertEquals("EGRESS_BLOCKED", TruthRecorder.classify(l));
        AccessLine t = AccessLine.tcp();
        t.termination = "rbac_access_denied_matched_policy[none]";
        assertEquals("RBAC", TruthRecorder.classify(t));
        t.termination = null;
        assertNull(TruthRecorder.classify(t));
        assertEquals("cart.store.svc.cluster.local",
                TruthRecorder.fqdnFromSni("outbound_.8080_._.cart.store.svc.cluster.local"));
        assertEquals("reviews.default.svc.cluster.local",
                TruthRecorder.fqdnFromSni("outbound_.80_.v1_.reviews.default.svc.cluster.local"));
        assertEquals("store", TruthRecorder.namespaceOfFqdn("cart.store.svc.cluster.local"));
        assertNull(TruthRecorder.namespaceOfFqdn("api.stripe.com"));
        assertEquals("10.244.0.5", TruthRecorder.hostOf("10.244.0.5:8080"));
        assertEquals("cart", TruthRecorder.hostOf("cart:8080"));
    }
}
