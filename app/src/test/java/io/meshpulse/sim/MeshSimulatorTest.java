package io.meshpulse.sim;

import static io.meshpulse.sim.SimFiles.content;
import static io.meshpulse.sim.SimFiles.isAccessLog;
import static io.meshpulse.sim.SimFiles.lines;
import static io.meshpulse.sim.SimFiles.proxyFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One shop run with every feature on (small rotation, gzip, noise, restart, all incident kinds), checked. */
class MeshSimulatorTest {

    static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    static Path tmp;
    static Path out;
    static SimResult result;
    static SimConfig cfg;

    static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    static List<Incident> incidents() {
        Duration d30 = Duration.ofSeconds(30);
        return List.of(
                Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api", "checkout/payments-api", at(30), d30, 1.0),
                Incident.of(Incident.Kind.RBAC_DENY, "web/frontend", "store/cart", at(60), d30, 0.5),
                Incident.of(Incident.Kind.UT_TIMEOUT, "web/frontend", "checkout/checkout-api", at(90), d30, 0.3),
                Incident.of(Incident.Kind.NR_ROUTE, "checkout/checkout-api", "store/cart", at(120), Duration.ofSeconds(20), 0.5),
                Incident.of(Incident.Kind.UH_NO_ENDPOINTS, "web/frontend", "store/catalog", at(150), d30, 0.2),
                Incident.of(Incident.Kind.UF_CONN_REFUSED, "store/cart", "store/redis", at(120), Duration.ofSeconds(60), 0.5),
                Incident.of(Incident.Kind.APP_5XX, "checkout/checkout-api", "checkout/payments-api", at(180), d30, 0.2),
                Incident.of(Incident.Kind.EGRESS_BLOCKED, "checkout/payments-api", "api.stripe.com", at(180), d30, 1.0));
    }

    static SimConfig config(long seed) {
        return SimConfig.defaults(seed, T0, Duration.ofMinutes(4))
                .withRotation(48 * 1024, true)
                .withSlow(0.01, Duration.ofSeconds(20))
                .withNoise(true, 6)
                .withContainerRestart(true)
                .withIncidents(incidents());
    }

    @BeforeAll
    static void generate() throws IOException {
        out = tmp.resolve("run");
        cfg = config(7);
        result = MeshSimulator.generate(MeshSpec.aksShop(), cfg, out);
    }

    @Test
    void truthTotalsEqualTheLinesInTheFiles() {
        long total = 0;
        long access = 0;
        long other = 0;
        for (Path f : proxyFiles(out)) {
            for (String l : lines(f)) {
                total++;
                if (isAccessLog(content(l))) access++;
                else other++;
            }
        }
        SimResult.Truth t = result.truth();
        assertTrue(total > 10_000, "a 4-minute shop run writes plenty: " + total);
        assertEquals(t.lines(), total);
        assertEquals(t.accessLogLines(), access);
        assertEquals(t.otherLines(), other);
        assertTrue(other > 0);
        assertEquals(t.accessLogLines(), t.pairs().stream().mapToLong(SimResult.Pair::requests).sum());
    }

    @Test
    void truthJsonMatchesTheResult() throws IOException {
        JsonNode j = new ObjectMapper().readTree(out.resolve("truth.json").toFile());
        assertEquals(result.truth().lines(), j.get("lines").asLong());
        assertEquals(result.truth().accessLogLines(), j.get("accessLogLines").asLong());
        assertEquals(result.truth().otherLines(), j.get("otherLines").asLong());
        assertEquals(result.truth().pairs().size(), j.get("pairs").size());
        JsonNode p = j.get("pairs").get(0);
        assertTrue(p.has("reporter") && p.has("source") && p.has("destination") && p.has("requests")
                && p.has("byClass"));
        assertTrue(p.get("destination").has("workload"), "null workloads are written, not dropped");
    }

    /** Class counts re-derived from the files with plain string checks. */
    @Test
    void classCountsMatchMarkersInTheFiles() {
        Map<String, Long> marker = new HashMap<>();
        for (Path f : proxyFiles(out)) {
            for (String l : lines(f)) {
                String c = content(l);
                for (String m : List.of("filter_chain_not_found", "rbac_access_denied", "response_timeout",
                        "downstream_remote_disconnect", "route_not_found", "no_healthy_upstream",
                        "delayed_connect_error:_111\"", "BlackHoleCluster", "{connection_termination}")) {
                    if (c.contains(m)) marker.merge(m, 1L, Long::sum);
                }
            }
        }
        Map<String, Long> byClass = new HashMap<>();
        Map<String, Long> destByClass = new HashMap<>();
        for (SimResult.Pair p : result.truth().pairs()) {
            p.byClass().forEach((k, v) -> byClass.merge(k, v, Long::sum));
            if (p.reporter().equals("destination")) p.byClass().forEach((k, v) -> destByClass.merge(k, v, Long::sum));
        }
        assertEquals(marker.get("filter_chain_not_found"), destByClass.get("NR"));
        assertEquals(marker.get("rbac_access_denied"), byClass.get("RBAC"));
        assertEquals(marker.get("response_timeout"), byClass.get("UT"));
        assertEquals(marker.get("downstream_remote_disconnect"), byClass.get("DC"));
        assertEquals(marker.get("route_not_found") + marker.get("filter_chain_not_found"), byClass.get("NR"));
        assertEquals(marker.get("BlackHoleCluster"), byClass.get("EGRESS_BLOCKED"));
        // UF lines carry the transport failure reason (TEXT quotes it, JSON too)
        assertEquals(marker.get("delayed_connect_error:_111\""), byClass.get("UF"));
        assertEquals(marker.get("{connection_termination}"), byClass.get("UC"));
        // BlackHole TCP lines also carry UH, but EGRESS_BLOCKED outranks it
        assertEquals(marker.get("no_healthy_upstream"), byClass.get("UH"));
    }

    @Test
    void incidentLinesOnlyInsideTheirSpan() {
        Map<String, Incident> byMarker = new HashMap<>();
        for (Incident i : cfg.incidents()) {
            switch (i.kind()) {
                case MTLS_PLAINTEXT_TO_STRICT -> byMarker.put("filter_chain_not_found", i);
                case RBAC_DENY -> byMarker.put("rbac_access_denied", i);
                case UT_TIMEOUT -> byMarker.put("response_timeout", i);
                case NR_ROUTE -> byMarker.put("route_not_found", i);
                case UH_NO_ENDPOINTS -> byMarker.put("no_healthy_upstream", i);
                case UF_CONN_REFUSED -> byMarker.put("delayed_connect_error", i);
                case EGRESS_BLOCKED -> byMarker.put("BlackHoleCluster", i);
                default -> { }
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        for (Path f : proxyFiles(out)) {
            for (String l : lines(f)) {
                String c = content(l);
                if (!isAccessLog(c)) continue;
                for (Map.Entry<String, Incident> e : byMarker.entrySet()) {
                    if (!c.contains(e.getKey())) continue;
                    Instant s = SimFiles.startTime(c);
                    Incident i = e.getValue();
                    assertFalse(s.isBefore(i.start()), e.getKey() + " before its incident: " + c);
                    // a server-side line may start 1 ms after the client's
                    assertTrue(s.isBefore(i.end().plusMillis(2)), e.getKey() + " after its incident: " + c);
                    seen.merge(e.getKey(), 1, Integer::sum);
                }
            }
        }
        assertEquals(byMarker.keySet(), seen.keySet(), "every incident left lines");
        for (SimResult.IncidentTruth it : result.truth().incidents()) {
            assertTrue(it.affectedRequests() > 0, it.kind());
            Instant first = Instant.parse(it.firstAffected());
            Instant last = Instant.parse(it.lastAffected());
            assertFalse(first.isBefore(Instant.parse(it.start())));
            assertTrue(last.isBefore(Instant.parse(it.end())));
        }
    }

    @Test
    void writeTimesNeverDecreaseAndLatenessIsBounded() {
        long maxLate = cfg.maxLateness().toNanos();
        long late10s = 0;
        for (Path f : proxyFiles(out)) {
            Instant prev = Instant.MIN;
            for (String l : lines(f)) {
                Instant w = SimFiles.writeTime(l);
                assertFalse(w.isBefore(prev), "write time went back in " + f + ": " + l);
                prev = w;
                String c = content(l);
                if (isAccessLog(c)) {
                    long lateness = Duration.between(SimFiles.startTime(c), w).toNanos();
                    assertTrue(lateness >= 0, l);
                    assertTrue(lateness <= maxLate, "later than maxLateness: " + l);
                    if (lateness >= 10_000_000_000L) late10s++;
                }
            }
        }
        assertTrue(late10s > 0, "slow requests and timeouts produce lines written ≥10 s after their start");
    }

    @Test
    void rotationHappenedAndOlderRotationsAreGzipped() throws IOException {
        Pattern rotated = Pattern.compile("\\d+\\.log\\.\\d{8}-\\d{6}(\\.gz)?");
        int rotatedFiles = 0;
        int gz = 0;
        Map<Path, List<String>> byDir = new HashMap<>();
        for (Path f : proxyFiles(out)) {
            String n = f.getFileName().toString();
            if (n.matches("\\d+\\.log")) continue;
            assertTrue(rotated.matcher(n).matches(), n);
            rotatedFiles++;
            byDir.computeIfAbsent(f.getParent(), k -> new ArrayList<>()).add(n);
            if (n.endsWith(".gz")) {
                gz++;
                try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                    assertTrue(in.readAllBytes().length > 0);
                }
            } else {
                assertTrue(Files.size(f) >= cfg.rotationBytes(), "rotated at the size limit: " + f);
            }
        }
        assertTrue(rotatedFiles > 5, "rotations: " + rotatedFiles);
        assertTrue(gz > 0);
        for (List<String> names : byDir.values()) {
            // per container instance, only the newest rotated file stays uncompressed
            Map<String, Integer> plain = new HashMap<>();
            for (String n : names) if (!n.endsWith(".gz")) plain.merge(n.substring(0, n.indexOf(".log")), 1, Integer::sum);
            plain.values().forEach(v -> assertEquals(1, v));
        }
    }

    @Test
    void restartedContainerContinuesInOneLog() {
        assertEquals(1, result.truth().restarts().size());
        SimResult.Restart r = result.truth().restarts().get(0);
        List<Path> files = proxyFiles(out).stream()
                .filter(p -> p.getParent().getParent().getFileName().toString().startsWith(r.namespace() + "_" + r.pod() + "_"))
                .toList();
        assertTrue(files.stream().anyMatch(p -> p.getFileName().toString().equals("0.log")));
        assertTrue(files.stream().anyMatch(p -> p.getFileName().toString().equals("1.log")));
        Instant at = Instant.parse(r.at());
        for (Path f : files) {
            boolean second = f.getFileName().toString().startsWith("1.log");
            for (String l : lines(f)) {
                Instant w = SimFiles.writeTime(l);
                assertEquals(second, !w.isBefore(at), f + ": " + l);
            }
        }
    }

    @Test
    void podNamesFollowKubernetes() {
        String a = "[bcdfghjklmnpqrstvwxz2456789]";
        Set<String> ips = new HashSet<>();
        MeshSpec spec = MeshSpec.aksShop();
        for (SimResult.Pod p : result.truth().pods()) {
            MeshSpec.Workload w = spec.workload(p.namespace(), p.workload());
            String q = Pattern.quote(w.name());
            String re = switch (w.kind()) {
                case DEPLOYMENT -> q + "-" + a + "{9,10}-" + a + "{5}";
                case STATEFUL_SET -> q + "-\\d+";
                case DAEMON_SET -> q + "-" + a + "{5}";
            };
            assertTrue(p.name().matches(re), p.name() + " !~ " + re);
            assertTrue(p.uid().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), p.uid());
            assertTrue(p.ip().matches("10\\.244\\.\\d{1,3}\\.\\d{1,3}"), p.ip());
            assertTrue(ips.add(p.ip()), "duplicate IP " + p.ip());
            Path dir = SimFiles.podsRoot(out).resolve(p.namespace() + "_" + p.name() + "_" + p.uid());
            assertTrue(Files.isDirectory(dir), dir.toString());
            for (String c : p.containers()) assertTrue(Files.isDirectory(dir.resolve(c)), dir + "/" + c);
            assertEquals(w.injected(), Files.isDirectory(dir.resolve("istio-proxy")));
        }
        assertTrue(result.truth().pods().stream().anyMatch(p -> p.name()
                .matches("aks-istio-ingressgateway-external-asm-1-24-" + a + "{9,10}-" + a + "{5}")));
        assertTrue(result.truth().pods().stream().anyMatch(p -> p.name().equals("redis-0")));
    }

    @Test
    void appContainersHaveTheirOwnPlainLogs() {
        List<Path> app = SimFiles.filesOf(out, "frontend");
        assertEquals(3, app.size());
        for (Path f : app) {
            List<String> ls = lines(f);
            assertFalse(ls.isEmpty());
            for (String l : ls) assertFalse(isAccessLog(content(l)), l);
        }
        assertEquals(result.truth().appLines(), SimFiles.allFiles(SimFiles.podsRoot(out)).stream()
                .filter(p -> !p.getParent().getFileName().toString().equals("istio-proxy"))
                .mapToLong(p -> lines(p).size()).sum());
    }

    @Test
    void textLinesHaveThe1_23LayoutAndJsonLinesAreTyped() throws IOException {
        ObjectMapper om = new ObjectMapper();
        Pattern cri = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z (stdout|stderr) F .*");
        Pattern start = Pattern.compile("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z]");
        int text = 0;
        int json = 0;
        for (Path f : proxyFiles(out)) {
            for (String l : lines(f)) {
                assertTrue(cri.matcher(l).matches(), l);
                String c = content(l);
                if (c.startsWith("[")) {
                    List<String> t = SimFiles.tokens(c);
                    assertEquals(22, t.size(), c);
                    assertTrue(start.matcher(t.get(0)).matches(), c);
                    for (int q : new int[] {1, 6, 11, 12, 13, 14, 15}) assertTrue(t.get(q).startsWith("\""), q + ": " + c);
                    for (int q : new int[] {2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 18, 19, 20, 21}) {
                        assertFalse(t.get(q).startsWith("\""), q + ": " + c);
                    }
                    assertFalse(t.get(16).endsWith(";"), "UPSTREAM_CLUSTER_RAW has no trailing ';'");
                    text++;
                } else if (c.startsWith("{")) {
                    JsonNode n = om.readTree(c);
                    assertEquals(LineFormat.JSON_KEYS.length, n.size());
                    assertTrue(n.get("response_code").isInt());
                    assertTrue(n.get("duration").isNumber());
                    assertTrue(n.get("response_flags").isTextual());
                    JsonNode ust = n.get("upstream_service_time");
                    assertTrue(ust.isNull() || ust.isTextual());
                    json++;
                }
            }
        }
        assertTrue(text > 1000 && json > 100, text + " " + json);
    }

    @Test
    void attributionFollowsTheContract() {
        List<SimResult.Pair> pairs = result.truth().pairs();
        // meshed client → meshed server: one pair per reporter
        SimResult.Pair src = find(pairs, "source", "checkout", "checkout-api", "payments-api.checkout.svc.cluster.local");
        assertEquals("checkout", src.destination().namespace());
        assertEquals("payments-api", src.destination().workload());
        assertTrue(src.byClass().get("UC") > 0);
        SimResult.Pair dst = find(pairs, "destination", "checkout", "checkout-api", "payments-api.checkout.svc.cluster.local");
        assertEquals("payments-api", dst.destination().workload());
        // filter_chain_not_found carries neither SNI nor authority: the service is the one payments-api's pods were
        // called through on that port before the window ended, so the refusals are on the same pair
        assertTrue(dst.byClass().getOrDefault("NR", 0L) > 0, dst.toString());
        assertTrue(pairs.stream().noneMatch(p -> p.reporter().equals("destination")
                && "checkout-api".equals(p.source().workload()) && p.destination().service() == null
                && p.requests() != p.byClass().getOrDefault("NR", 0L)), "only refusals may lack a service");
        // the uninjected caller is known by IP only
        assertTrue(pairs.stream().anyMatch(p -> p.reporter().equals("destination") && p.source().namespace() == null
                && p.source().workload().startsWith("10.244.")
                && "payments-api.checkout.svc.cluster.local".equals(p.destination().service())));
        // egress by SNI, namespace null
        SimResult.Pair stripe = find(pairs, "source", "checkout", "payments-api", "api.stripe.com");
        assertNull(stripe.destination().namespace());
        assertNull(stripe.destination().workload());
        assertTrue(stripe.byClass().get("EGRESS_BLOCKED") > 0);
        // gateway lines are reported by source
        assertNotNull(find(pairs, "source", "aks-istio-ingress", "aks-istio-ingressgateway-external-asm-1-24",
                "frontend.web.svc.cluster.local"));
        // NR route_not_found has no cluster: destination from the authority, namespace null for a FQDN
        SimResult.Pair nr = find(pairs, "source", "checkout", "checkout-api", "cart.store.svc.cluster.local", null);
        assertEquals(nr.requests(), nr.byClass().get("NR"));
    }

    /** The pair with that service; for a cluster-local service, the one whose destination namespace is known. */
    static SimResult.Pair find(List<SimResult.Pair> pairs, String reporter, String srcNs, String srcWl, String service) {
        return pairs.stream().filter(p -> p.reporter().equals(reporter) && srcNs.equals(p.source().namespace())
                        && srcWl.equals(p.source().workload())
                        && java.util.Objects.equals(service, p.destination().service())
                        && (service == null || !service.endsWith(".svc.cluster.local")
                        || p.destination().namespace() != null))
                .findFirst().orElseThrow(() -> new AssertionError("no pair " + reporter + " " + srcWl + " " + service));
    }

    static SimResult.Pair find(List<SimResult.Pair> pairs, String reporter, String srcNs, String srcWl, String service,
                               String dstNs) {
        return pairs.stream().filter(p -> p.reporter().equals(reporter) && srcNs.equals(p.source().namespace())
                        && srcWl.equals(p.source().workload()) && service.equals(p.destination().service())
                        && java.util.Objects.equals(dstNs, p.destination().namespace()))
                .findFirst().orElseThrow(() -> new AssertionError("no pair " + srcWl + " " + service + " " + dstNs));
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        Path again = tmp.resolve("again");
        MeshSimulator.generate(MeshSpec.aksShop(), cfg, again);
        List<Path> a = SimFiles.allFiles(out);
        List<Path> b = SimFiles.allFiles(again);
        assertEquals(a.stream().map(out::relativize).toList(), b.stream().map(again::relativize).toList());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
        Path other = tmp.resolve("other");
        SimResult r = MeshSimulator.generate(MeshSpec.aksShop(), config(8).withIncidents(List.of()), other);
        assertFalse(r.truth().lines() == result.truth().lines()
                && SimFiles.allFiles(other).size() == a.size(), "another seed gives another run");
    }
}
