package io.meshpulse.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.alerts.catalog.Template;
import io.meshpulse.alerts.diagnose.Diagnoser;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogTest {
    static final Catalog CATALOG = Catalog.load();
    static final Map<String, String> FACTS = Map.ofEntries(Map.entry("source", "checkout/checkout-api"),
            Map.entry("sourceNamespace", "checkout"), Map.entry("sourceWorkload", "checkout-api"),
            Map.entry("sourcePod", "checkout-api-0"), Map.entry("logNamespace", "checkout"),
            Map.entry("logWorkload", "checkout-api"), Map.entry("destination", "checkout/payments-api"),
            Map.entry("namespace", "checkout"), Map.entry("service", "payments-api"),
            Map.entry("host", "payments-api.checkout.svc.cluster.local"), Map.entry("workload", "payments-api"),
            Map.entry("pod", "payments-api-0"), Map.entry("port", "8080"), Map.entry("policy", "deny-checkout-api"),
            Map.entry("policyNamespace", "checkout"), Map.entry("class", "UC"), Map.entry("ratio", "42%"),
            Map.entry("requests", "100"), Map.entry("failures", "42"), Map.entry("baseline", "0%"),
            Map.entry("startsAt", "10:15:20 UTC"), Map.entry("callerIp", "10.244.3.9"), Map.entry("callers", "2"),
            Map.entry("affected", "1"), Map.entry("others", "1"), Map.entry("peerCount", "40"),
            Map.entry("burnRate", "20"), Map.entry("slo", "99.9%"), Map.entry("longWindow", "1 h"),
            Map.entry("shortWindow", "5 min"), Map.entry("exhaustion", "36 h"), Map.entry("keepFiring", "5 min"));

    @Test
    void coversEveryClassAndCauseTheIssueAsksFor() {
        List<String> ids = CATALOG.entries().stream().map(Catalog.Entry::id).toList();
        for (String id : List.of("uc-client-tls-disable", "uc-connection-termination", "uf-connect-failure",
                "uh-no-healthy-upstream", "urx-retries-exhausted", "ut-upstream-timeout", "uo-overflow",
                "nr-filter-chain-uninjected-client", "nr-filter-chain-plaintext", "nr-route-not-found",
                "nc-cluster-not-found", "rbac-deny-policy", "rbac-allow-default-deny", "uaex-ext-authz-denied",
                "rl-rate-limited", "dc-downstream-disconnect", "egress-blocked", "fault-injection", "app-5xx",
                "egress-audit", "traffic-silence", "slo-burn", "generic-failure")) {
            assertTrue(ids.contains(id), id);
        }
        assertEquals("generic-failure", ids.get(ids.size() - 1), "the catch-all comes last");
    }

    @Test
    void picksEntriesByClassCauseAndSignals() {
        assertEquals("uc-client-tls-disable", CATALOG.find("UC", "source", null, Set.of("peer-filter-chain")).id());
        assertEquals("uc-connection-termination", CATALOG.find("UC", "source", null, Set.of()).id());
        assertEquals("nr-filter-chain-uninjected-client",
                CATALOG.find("NR", "destination", "filter_chain_not_found", Set.of("caller-without-sidecar")).id());
        assertEquals("nr-filter-chain-plaintext", CATALOG.find("NR", "destination", "filter_chain_not_found", Set.of()).id());
        assertEquals("nr-route-not-found", CATALOG.find("NR", "source", "route_not_found", Set.of()).id());
        assertEquals("nr-ingress-unrouted-host",
                CATALOG.find("NR", "source", "route_not_found", Set.of("ingress-unrouted-host")).id());
        assertEquals("info", CATALOG.entry("nr-ingress-unrouted-host").severity());
        assertEquals("rbac-deny-policy", CATALOG.find("RBAC", "destination", "policy-named", Set.of()).id());
        assertEquals("rbac-allow-default-deny", CATALOG.find("RBAC", "destination", "policy-none", Set.of()).id());
        assertEquals("fault-injection", CATALOG.find("DI", "source", null, Set.of()).id());
        assertEquals("generic-failure", CATALOG.find("UPE", "source", null, Set.of()).id());
    }

    @Test
    void causesAreRankedByTheSignalsThatSupportThem() {
        Catalog.Entry uh = CATALOG.entry("uh-no-healthy-upstream");
        assertEquals("no-ready-endpoints", uh.ranked(Set.of("all-callers")).get(0).id());
        assertEquals("outlier-ejection", uh.ranked(Set.of("one-caller")).get(0).id());
    }

    @Test
    void aksCommandsAlwaysNameTheAddOnsRootNamespace() {
        Diagnoser d = new Diagnoser(CATALOG, AlertSettings.defaults().withRevision("asm-1-24"));
        for (Catalog.Entry e : CATALOG.entries()) {
            String cls = e.match().classes().isEmpty() || e.match().classes().get(0).equals("*") ? "UPE" : e.match().classes().get(0);
            var r = d.diagnose(cls, e.match().reporter() == null ? "source" : e.match().reporter(), e.match().cause(),
                    Set.copyOf(e.match().signals()), FACTS, "observed");
            assertEquals(e.id(), r.entry().id());
            for (String c : r.diagnosis().commands()) {
                if (c.contains("istioctl")) assertTrue(c.contains("istioctl --istioNamespace aks-istio-system"), c);
                assertFalse(c.contains("istio-injection"), c);
                assertFalse(c.matches(".*<[a-zA-Z]+>.*") && !c.contains("<caller-"), "unfilled placeholder in " + c);
            }
            assertFalse(r.diagnosis().fix().isEmpty(), e.id());
            assertFalse(String.join(" ", r.diagnosis().fix()).contains("istio-injection=enabled"), e.id());
        }
    }

    @Test
    void upstreamFlavourSwitchesNamespacesAndTheInjectionLabel() {
        AlertSettings up = AlertSettings.defaults().withFlavour(Flavour.UPSTREAM);
        Diagnoser d = new Diagnoser(CATALOG, up);
        var r = d.diagnose("NR", "destination", "filter_chain_not_found", Set.of("caller-without-sidecar"), FACTS, null);
        String all = String.join("\n", r.diagnosis().commands()) + String.join("\n", r.diagnosis().fix());
        assertTrue(all.contains("kubectl label namespace <caller-namespace> istio-injection=enabled --overwrite"), all);
        assertTrue(all.contains("kubectl get peerauthentication -n istio-system"), all);
        assertFalse(all.contains("aks-istio-system"), all);
    }

    /**
     * A revision's injection webhook selects istio.io/rev only where istio-injection does not exist, so labelling a
     * namespace that still has istio-injection=enabled injects nothing: the fix removes that label before the
     * restart. With istio-injection=enabled itself (upstream without a revision) there is nothing to remove.
     */
    @Test
    void theInjectionFixRemovesTheLabelThatKeepsTheRevisionWebhookAway() {
        String removal = "kubectl label namespace <caller-namespace> istio-injection-";
        for (AlertSettings s : List.of(AlertSettings.defaults(), AlertSettings.defaults().withRevision("asm-1-24"),
                AlertSettings.defaults().withFlavour(Flavour.UPSTREAM).withRevision("1-24"))) {
            List<String> fix = uninjectedCallerFix(s);
            int remove = indexOf(fix, removal);
            int restart = indexOf(fix, "kubectl rollout restart deployment -n <caller-namespace>");
            assertTrue(remove >= 0 && restart > remove, fix.toString());
            assertTrue(indexOf(fix, "istio.io/rev=") >= 0, fix.toString());
        }
        List<String> upstream = uninjectedCallerFix(AlertSettings.defaults().withFlavour(Flavour.UPSTREAM));
        assertEquals(-1, indexOf(upstream, removal), upstream.toString());
        assertTrue(indexOf(upstream, "istio-injection=enabled --overwrite") >= 0, upstream.toString());
        assertFalse(String.join("\n", upstream).contains("<removeInjectionLabel>"), upstream.toString());
    }

    private static List<String> uninjectedCallerFix(AlertSettings s) {
        return new Diagnoser(CATALOG, s).diagnose("NR", "destination", "filter_chain_not_found",
                Set.of("caller-without-sidecar"), FACTS, null).diagnosis().fix();
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(part)) return i;
        return -1;
    }

    @Test
    void templatesLeaveOutLinesWhoseValueIsEmpty() {
        assertTrue(Template.applies("kubectl label ns x {a}", Map.of("a", "b-")));
        assertTrue(Template.applies("kubectl label ns x {missing}", Map.of()));
        assertFalse(Template.applies("kubectl label ns x {a}", Map.of("a", "")));
    }

    @Test
    void withoutAConfiguredRevisionTheCommandsLookItUp() {
        Diagnoser d = new Diagnoser(CATALOG, AlertSettings.defaults());
        var r = d.diagnose("NR", "destination", "filter_chain_not_found", Set.of("caller-without-sidecar"), FACTS, null);
        assertTrue(r.diagnosis().commands().get(0).startsWith("ASM_REV=$(kubectl get deploy -n aks-istio-system -l app=istiod"),
                r.diagnosis().commands().toString());
        assertTrue(String.join("\n", r.diagnosis().fix()).contains("istio.io/rev=${ASM_REV}"));
    }

    @Test
    void templatesLeaveJsonPathAloneAndShowMissingValues() {
        assertEquals("kubectl get pod -o jsonpath='{.items[0].metadata.name}' -n shop <pod>",
                Template.render("kubectl get pod -o jsonpath='{.items[0].metadata.name}' -n {namespace} <pod>",
                        Map.of("namespace", "shop")));
        assertEquals("a <missing> b", Template.render("a {missing} b", Map.of()));
    }

    @Test
    void settingsLoadFromPropertiesAndEnvironment() {
        AlertSettings s = AlertSettings.fromEnvironment(Map.of("MESHPULSE_ALERTS_MIN_RATIO", "0.1",
                "MESHPULSE_ALERTS_FLAVOUR", "upstream"), Map.of("meshpulse.alerts.revision", "asm-1-25"));
        assertEquals(0.1, s.minRatio());
        assertEquals(Flavour.UPSTREAM, s.flavour());
        assertEquals("asm-1-25", s.revision());
        assertEquals("istio-system", s.rootNamespace());
        assertEquals(AlertSettings.KEYS.size(), AlertSettings.KEYS.stream().map(AlertSettings.Key::name).distinct().count());
        try {
            AlertSettings.from(Map.of("meshpulse.alerts.min-ratio", "lots"));
            throw new AssertionError("a bad value must be refused");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("meshpulse.alerts.min-ratio"));
        }
    }
}
